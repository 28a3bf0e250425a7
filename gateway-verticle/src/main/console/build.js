// The build this page came from: the Maven build writes the version in when it packs the console
// (gateway-verticle/pom.xml, console-build). Unfiltered (straight from the sources) it reads as unknown.
const STAMPED = '@project.version@';

export const BUILD = STAMPED.startsWith('@') ? null : STAMPED;
