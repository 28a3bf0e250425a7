package dev.opsbus.bench;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/** Appends result rows to a CSV file (header first when the file is new) and reads them back. */
public final class CsvFile {

  private CsvFile() {
  }

  public static void append(Path file, Map<String, Object> row) throws IOException {
    if (file.getParent() != null) {
      Files.createDirectories(file.getParent());
    }
    StringBuilder out = new StringBuilder();
    if (!Files.exists(file) || Files.size(file) == 0) {
      out.append(String.join(",", row.keySet())).append('\n');
    }
    List<String> cells = new ArrayList<>();
    for (Object v : row.values()) {
      cells.add(cell(v));
    }
    out.append(String.join(",", cells)).append('\n');
    Files.writeString(file, out, StandardCharsets.UTF_8, StandardOpenOption.CREATE, StandardOpenOption.APPEND);
  }

  private static String cell(Object v) {
    String s;
    if (v instanceof Double d) {
      s = Double.isNaN(d) ? "" : String.format(Locale.ROOT, "%.4f", d);
    } else {
      s = String.valueOf(v);
    }
    if (s.contains(",") || s.contains("\"") || s.contains("\n")) {
      s = "\"" + s.replace("\"", "\"\"").replace('\n', ' ') + "\"";
    }
    return s;
  }

  /** Rows as column-name to text maps; a missing file reads as no rows. */
  public static List<Map<String, String>> read(Path file) throws IOException {
    List<Map<String, String>> rows = new ArrayList<>();
    if (!Files.exists(file)) {
      return rows;
    }
    List<String> lines = Files.readAllLines(file, StandardCharsets.UTF_8);
    if (lines.isEmpty()) {
      return rows;
    }
    List<String> header = split(lines.get(0));
    for (String line : lines.subList(1, lines.size())) {
      if (line.isBlank()) {
        continue;
      }
      if (line.startsWith(lines.get(0))) {
        continue; // a header repeated by a concatenated file
      }
      List<String> cells = split(line);
      Map<String, String> row = new LinkedHashMap<>();
      for (int i = 0; i < header.size(); i++) {
        row.put(header.get(i), i < cells.size() ? cells.get(i) : "");
      }
      rows.add(row);
    }
    return rows;
  }

  static List<String> split(String line) {
    List<String> cells = new ArrayList<>();
    StringBuilder cur = new StringBuilder();
    boolean quoted = false;
    for (int i = 0; i < line.length(); i++) {
      char ch = line.charAt(i);
      if (quoted) {
        if (ch == '"' && i + 1 < line.length() && line.charAt(i + 1) == '"') {
          cur.append('"');
          i++;
        } else if (ch == '"') {
          quoted = false;
        } else {
          cur.append(ch);
        }
      } else if (ch == '"') {
        quoted = true;
      } else if (ch == ',') {
        cells.add(cur.toString());
        cur.setLength(0);
      } else {
        cur.append(ch);
      }
    }
    cells.add(cur.toString());
    return cells;
  }
}
