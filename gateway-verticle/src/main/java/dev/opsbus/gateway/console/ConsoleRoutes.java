package dev.opsbus.gateway.console;

import io.vertx.core.Vertx;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpMethod;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import io.vertx.ext.web.handler.StaticHandler;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Serves the web console: {@code /} is its page, {@code /app/*} its modules, styles and the browser
 * libraries the build copied from npm into {@code webroot/} of the gateway jar. Same origin only.
 */
public final class ConsoleRoutes {

  private static final Logger LOG = LoggerFactory.getLogger(ConsoleRoutes.class);

  /** Classpath folder the Maven build fills (gateway-verticle/pom.xml, console-webroot and console-libraries). */
  static final String WEBROOT = "webroot";

  /**
   * The page loads scripts, styles and sockets from its own origin only and may not be framed. xterm.js
   * sets style elements of its own, hence the inline styles. asciinema-player (the Recordings page)
   * runs its terminal emulator as WebAssembly shipped inside its own script: {@code 'wasm-unsafe-eval'}
   * lets a script of this origin compile it, and allows no JavaScript eval.
   */
  static final String CSP = "default-src 'self'; script-src 'self' 'wasm-unsafe-eval'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; "
      + "connect-src 'self'; font-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'";

  private ConsoleRoutes() {
  }

  public static void mount(Router router, Vertx vertx) {
    if (ConsoleRoutes.class.getClassLoader().getResource(WEBROOT + "/index.html") == null) {
      LOG.warn("the web console is not in this build (no {}/index.html on the class path); / will answer 404", WEBROOT);
    }
    // File names carry no content hash, so every load revalidates (Last-Modified, 304): after a new build
    // (status.version's reload banner) the browser picks up the new files at once.
    StaticHandler files = StaticHandler.create(WEBROOT)
        .setCachingEnabled(true)
        .setIndexPage("index.html")
        .setDirectoryListing(false)
        .setIncludeHidden(false);
    for (String path : new String[] {"/", "/app/*"}) {
      router.route(path).method(HttpMethod.GET).method(HttpMethod.HEAD).handler(ConsoleRoutes::headers).handler(files);
    }
  }

  private static void headers(RoutingContext ctx) {
    ctx.addHeadersEndHandler(v -> ctx.response().headers()
        .set(HttpHeaders.CACHE_CONTROL, "no-cache")
        .set("Content-Security-Policy", CSP)
        .set("X-Content-Type-Options", "nosniff")
        .set("X-Frame-Options", "DENY")
        .set("Referrer-Policy", "no-referrer"));
    ctx.next();
  }
}
