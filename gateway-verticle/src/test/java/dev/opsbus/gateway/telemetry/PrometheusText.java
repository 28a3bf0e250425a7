package dev.opsbus.gateway.telemetry;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.regex.Pattern;

/**
 * A strict reader of the Prometheus text exposition format (version 0.0.4), written for the tests
 * so that what {@code /metrics} answers is checked line by line rather than searched for strings.
 * It refuses what a lenient scraper would let pass: a sample without a {@code # TYPE}, a family
 * split in two, a repeated series, a bad name, label or escape, a counter sample not named
 * {@code _total}, a negative or NaN counter, and a histogram whose buckets are not cumulative, lack
 * {@code +Inf}, or disagree with its {@code _count}; {@code _sum} and {@code _count} are required.
 */
public final class PrometheusText {

  /** One sample line. */
  public record Sample(String name, Map<String, String> labels, double value) {

    public String label(String name) {
      return labels.get(name);
    }
  }

  /** One metric family: its {@code # TYPE}, {@code # HELP} and samples, in the order given. */
  public static final class Family {
    public final String name;
    public final String type;
    public String help;
    public final List<Sample> samples = new ArrayList<>();

    Family(String name, String type) {
      this.name = name;
      this.type = type;
    }
  }

  /** What the text does not satisfy, with its line number. */
  public static final class FormatException extends RuntimeException {
    FormatException(int line, String message, String text) {
      super("line " + line + ": " + message + ": " + text);
    }
  }

  private static final Pattern METRIC_NAME = Pattern.compile("[a-zA-Z_:][a-zA-Z0-9_:]*");
  private static final Pattern LABEL_NAME = Pattern.compile("[a-zA-Z_][a-zA-Z0-9_]*");
  private static final Pattern FLOAT = Pattern.compile("[+-]?(?:\\d+(?:\\.\\d*)?|\\.\\d+)(?:[eE][+-]?\\d+)?");
  private static final Pattern TIMESTAMP = Pattern.compile("-?\\d+");
  private static final Set<String> TYPES = Set.of("counter", "gauge", "histogram", "summary", "untyped");

  private final Map<String, Family> families = new LinkedHashMap<>();
  private final Map<String, String> helps = new LinkedHashMap<>();
  private final Set<String> series = new HashSet<>();
  private final Set<String> closed = new HashSet<>();
  private Family current;
  private int lineNo;

  private PrometheusText() {
  }

  /** Parses the whole text; throws {@link FormatException} at the first fault. */
  public static Map<String, Family> parse(String text) {
    PrometheusText p = new PrometheusText();
    if (!text.isEmpty() && !text.endsWith("\n")) {
      throw new FormatException(0, "the text must end with a line feed", "");
    }
    for (String line : text.split("\n", -1)) {
      p.lineNo++;
      p.line(line);
    }
    p.endFamily();
    for (Map.Entry<String, String> h : p.helps.entrySet()) {
      if (!p.families.containsKey(h.getKey())) {
        throw new FormatException(0, "HELP for a family without TYPE", h.getKey());
      }
      p.families.get(h.getKey()).help = h.getValue();
    }
    return p.families;
  }

  private void line(String line) {
    if (line.isEmpty()) {
      return;
    }
    if (line.startsWith("#")) {
      comment(line);
      return;
    }
    sample(line);
  }

  private void comment(String line) {
    String[] parts = line.split(" ", 4);
    if (parts.length < 2 || !parts[0].equals("#") || !(parts[1].equals("HELP") || parts[1].equals("TYPE"))) {
      return; // an ordinary comment
    }
    if (parts.length < 4 && parts[1].equals("TYPE") || parts.length < 3) {
      throw fault("HELP or TYPE without a metric name and text", line);
    }
    String name = parts[2];
    name(name, line);
    if (parts[1].equals("HELP")) {
      String help = parts.length == 4 ? parts[3] : "";
      checkEscapes(help, false, line);
      if (helps.put(name, help) != null) {
        throw fault("a second HELP for " + name, line);
      }
      return;
    }
    String type = parts[3];
    if (!TYPES.contains(type)) {
      throw fault("unknown type " + type, line);
    }
    if (families.containsKey(name)) {
      throw fault("a second TYPE for " + name, line);
    }
    endFamily();
    current = new Family(name, type);
    families.put(name, current);
  }

  private void endFamily() {
    if (current != null) {
      checkFamily(current);
      closed.add(current.name);
      current = null;
    }
  }

  private void sample(String line) {
    int i = 0;
    while (i < line.length() && line.charAt(i) != '{' && line.charAt(i) != ' ') {
      i++;
    }
    String name = line.substring(0, i);
    name(name, line);
    Map<String, String> labels = new TreeMap<>();
    if (i < line.length() && line.charAt(i) == '{') {
      i = labels(line, i + 1, labels);
    }
    if (i >= line.length() || line.charAt(i) != ' ') {
      throw fault("a sample needs one space before its value", line);
    }
    String[] rest = line.substring(i + 1).split(" ", -1);
    if (rest.length < 1 || rest.length > 2) {
      throw fault("a sample is name, labels, value and an optional timestamp, single spaces apart", line);
    }
    double value = value(rest[0], line);
    if (rest.length == 2 && !TIMESTAMP.matcher(rest[1]).matches()) {
      throw fault("bad timestamp " + rest[1], line);
    }
    Family f = familyOf(name, line);
    if (current != f) {
      throw fault("samples of " + f.name + " are not together under its TYPE", line);
    }
    if (!series.add(name + labels)) {
      throw fault("the same series twice", line);
    }
    f.samples.add(new Sample(name, labels, value));
  }

  private Family familyOf(String sampleName, String line) {
    if (current == null) {
      throw fault("a sample without a TYPE line before it", line);
    }
    String family = current.name;
    boolean fits = switch (current.type) {
      case "counter" -> family.endsWith("_total")
          ? sampleName.equals(family) || sampleName.equals(family.substring(0, family.length() - 6) + "_created")
          : sampleName.equals(family + "_total") || sampleName.equals(family + "_created");
      case "histogram" -> sampleName.equals(family + "_bucket") || sampleName.equals(family + "_sum")
          || sampleName.equals(family + "_count") || sampleName.equals(family + "_created");
      case "summary" -> sampleName.equals(family) || sampleName.equals(family + "_sum") || sampleName.equals(family + "_count")
          || sampleName.equals(family + "_created");
      default -> sampleName.equals(family);
    };
    if (!fits) {
      throw fault("sample " + sampleName + " does not belong to the " + current.type + " " + family + " it follows", line);
    }
    return current;
  }

  private int labels(String line, int i, Map<String, String> labels) {
    if (i < line.length() && line.charAt(i) == '}') {
      return i + 1;
    }
    while (true) {
      int eq = line.indexOf('=', i);
      if (eq < 0) {
        throw fault("a label without '='", line);
      }
      String label = line.substring(i, eq);
      if (!LABEL_NAME.matcher(label).matches() || label.startsWith("__")) {
        throw fault("bad label name '" + label + "'", line);
      }
      if (eq + 1 >= line.length() || line.charAt(eq + 1) != '"') {
        throw fault("a label value must be quoted", line);
      }
      StringBuilder value = new StringBuilder();
      int j = eq + 2;
      while (true) {
        if (j >= line.length()) {
          throw fault("an unterminated label value", line);
        }
        char c = line.charAt(j);
        if (c == '"') {
          break;
        }
        if (c == '\\') {
          if (j + 1 >= line.length()) {
            throw fault("a dangling backslash", line);
          }
          char e = line.charAt(j + 1);
          switch (e) {
            case '\\' -> value.append('\\');
            case '"' -> value.append('"');
            case 'n' -> value.append('\n');
            default -> throw fault("bad escape \\" + e + " in a label value", line);
          }
          j += 2;
          continue;
        }
        value.append(c);
        j++;
      }
      if (labels.put(label, value.toString()) != null) {
        throw fault("label " + label + " twice", line);
      }
      j++;
      if (j >= line.length()) {
        throw fault("an unterminated label set", line);
      }
      if (line.charAt(j) == '}') {
        return j + 1;
      }
      if (line.charAt(j) != ',') {
        throw fault("labels are separated by ','", line);
      }
      i = j + 1;
    }
  }

  private static void checkEscapes(String text, boolean quotes, String line) {
    for (int k = 0; k < text.length(); k++) {
      if (text.charAt(k) == '\\') {
        char e = k + 1 < text.length() ? text.charAt(k + 1) : ' ';
        if (e != '\\' && e != 'n' && !(quotes && e == '"')) {
          throw new FormatException(0, "bad escape in HELP", line);
        }
        k++;
      }
    }
  }

  private double value(String v, String line) {
    switch (v) {
      case "NaN":
        return Double.NaN;
      case "+Inf":
        return Double.POSITIVE_INFINITY;
      case "-Inf":
        return Double.NEGATIVE_INFINITY;
      default:
        if (!FLOAT.matcher(v).matches()) {
          throw fault("bad value " + v, line);
        }
        return Double.parseDouble(v);
    }
  }

  private void name(String name, String line) {
    if (!METRIC_NAME.matcher(name).matches()) {
      throw fault("bad metric name '" + name + "'", line);
    }
  }

  private void checkFamily(Family f) {
    switch (f.type) {
      case "counter" -> {
        for (Sample s : f.samples) {
          if (s.name().endsWith("_total") && (Double.isNaN(s.value()) || s.value() < 0)) {
            throw new FormatException(lineNo, "counter " + s.name() + " is negative or NaN", String.valueOf(s.value()));
          }
        }
      }
      case "histogram" -> checkHistogram(f);
      default -> {
      }
    }
  }

  /** Per label set (without {@code le}): cumulative buckets ending in +Inf, equal to _count; a _sum. */
  private void checkHistogram(Family f) {
    Map<Map<String, String>, TreeMap<Double, Double>> buckets = new LinkedHashMap<>();
    Map<Map<String, String>, Double> counts = new LinkedHashMap<>();
    Set<Map<String, String>> sums = new HashSet<>();
    for (Sample s : f.samples) {
      Map<String, String> key = new TreeMap<>(s.labels());
      if (s.name().endsWith("_bucket")) {
        String le = key.remove("le");
        if (le == null) {
          throw new FormatException(lineNo, "a bucket of " + f.name + " without 'le'", s.toString());
        }
        double bound = value(le, s.toString());
        if (buckets.computeIfAbsent(key, k -> new TreeMap<>()).put(bound, s.value()) != null) {
          throw new FormatException(lineNo, "the same bucket twice in " + f.name, s.toString());
        }
      } else if (s.name().endsWith("_count")) {
        counts.put(key, s.value());
      } else if (s.name().endsWith("_sum")) {
        sums.add(key);
      }
    }
    if (buckets.isEmpty()) {
      throw new FormatException(lineNo, "histogram " + f.name + " has no buckets", f.name);
    }
    for (Map.Entry<Map<String, String>, TreeMap<Double, Double>> e : buckets.entrySet()) {
      double previous = 0;
      for (double c : e.getValue().values()) {
        if (c < previous) {
          throw new FormatException(lineNo, "buckets of " + f.name + e.getKey() + " are not cumulative", e.getValue().toString());
        }
        previous = c;
      }
      Double inf = e.getValue().get(Double.POSITIVE_INFINITY);
      if (inf == null) {
        throw new FormatException(lineNo, "histogram " + f.name + e.getKey() + " has no +Inf bucket", e.getValue().toString());
      }
      Double count = counts.get(e.getKey());
      if (count == null || count.doubleValue() != inf.doubleValue()) {
        throw new FormatException(lineNo, "histogram " + f.name + e.getKey() + " _count " + count + " is not its +Inf bucket " + inf, f.name);
      }
      if (!sums.contains(e.getKey())) {
        throw new FormatException(lineNo, "histogram " + f.name + e.getKey() + " has no _sum", f.name);
      }
    }
  }

  private FormatException fault(String message, String line) {
    return new FormatException(lineNo, message, line);
  }
}
