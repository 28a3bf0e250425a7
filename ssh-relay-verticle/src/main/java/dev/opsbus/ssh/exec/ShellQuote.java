package dev.opsbus.ssh.exec;

import dev.opsbus.model.ErrorCode;
import dev.opsbus.model.OpsbusException;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Builds remote shell command lines from a template and caller values without giving the values a
 * way into the shell: every value becomes one single-quoted word, so {@code ; rm -rf /},
 * {@code $(id)} or a backtick reaches the command as the literal text it is.
 */
public final class ShellQuote {

  /**
   * A {@code {name}} placeholder. One preceded by {@code $} is shell syntax ({@code ${HOME}}) and is
   * left alone, as are braces around anything that is not a plain name ({@code awk '{print $1}'}).
   */
  private static final Pattern PLACEHOLDER = Pattern.compile("(?<!\\$)\\{([A-Za-z_][A-Za-z0-9_]*)}");
  private static final Pattern ENV_NAME = Pattern.compile("[A-Za-z_][A-Za-z0-9_]{0,127}");

  private ShellQuote() {
  }

  /** {@code value} as one POSIX shell word: single quotes, each {@code '} written as {@code '\''}. */
  public static String quote(String value) {
    if (value.indexOf('\0') >= 0) {
      throw new OpsbusException(ErrorCode.INVALID_REQUEST, "a command value may not contain a NUL character");
    }
    return "'" + value.replace("'", "'\\''") + "'";
  }

  /**
   * The template with each {@code {name}} replaced by the quoted value of {@code params.get(name)}.
   * A placeholder without a value fails with {@code invalid_request}; values not named are ignored.
   */
  public static String render(String template, Map<String, String> params) {
    Matcher m = PLACEHOLDER.matcher(template);
    StringBuilder out = new StringBuilder();
    while (m.find()) {
      String name = m.group(1);
      String value = params.get(name);
      if (value == null) {
        throw new OpsbusException(ErrorCode.INVALID_REQUEST, "the command names {" + name + "} but no parameter '" + name + "' was given");
      }
      m.appendReplacement(out, Matcher.quoteReplacement(quote(value)));
    }
    m.appendTail(out);
    return out.toString();
  }

  /** {@code export NAME='value'; } for each entry, for a command that needs an environment. */
  public static String exports(Map<String, String> env) {
    StringBuilder out = new StringBuilder();
    for (Map.Entry<String, String> e : env.entrySet()) {
      if (!ENV_NAME.matcher(e.getKey()).matches()) {
        throw new OpsbusException(ErrorCode.INVALID_REQUEST, "not a valid environment variable name: '" + e.getKey() + "'");
      }
      out.append("export ").append(e.getKey()).append('=').append(quote(e.getValue())).append("; ");
    }
    return out.toString();
  }
}
