package dev.opsbus.operations;

import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.time.temporal.ChronoUnit;
import java.util.BitSet;

/**
 * A cron expression, in UTC: five fields (minute hour day-of-month month day-of-week) or six with
 * seconds first. Each field takes {@code *}, numbers, ranges {@code a-b}, lists {@code a,b} and
 * steps {@code * / n} or {@code a-b/n}. Day of week is 0-7 (0 and 7 are Sunday). When both day
 * fields are restricted, a day matching either fires, as in classic cron.
 */
public final class CronExpression {

  private final String text;
  private final BitSet seconds;
  private final BitSet minutes;
  private final BitSet hours;
  private final BitSet days;
  private final BitSet months;
  private final BitSet weekdays;
  private final boolean dayRestricted;
  private final boolean weekdayRestricted;

  private CronExpression(String text, BitSet s, BitSet mi, BitSet h, BitSet d, BitSet mo, BitSet w, boolean dr, boolean wr) {
    this.text = text;
    this.seconds = s;
    this.minutes = mi;
    this.hours = h;
    this.days = d;
    this.months = mo;
    this.weekdays = w;
    this.dayRestricted = dr;
    this.weekdayRestricted = wr;
  }

  /** Parses; an invalid expression fails with the field at fault. */
  public static CronExpression parse(String text) {
    String[] f = text.trim().split("\\s+");
    if (f.length != 5 && f.length != 6) {
      throw new IllegalArgumentException("a cron expression has 5 fields (min hour day month weekday) or 6 (with seconds first), got " + f.length);
    }
    int o = f.length == 6 ? 1 : 0;
    BitSet s = o == 1 ? field(f[0], 0, 59, "seconds") : bits(0);
    BitSet w = field(f[o + 4], 0, 7, "day of week");
    if (w.get(7)) {
      w.set(0);
    }
    return new CronExpression(text.trim(), s, field(f[o], 0, 59, "minute"), field(f[o + 1], 0, 23, "hour"),
        field(f[o + 2], 1, 31, "day of month"), field(f[o + 3], 1, 12, "month"), w, !f[o + 2].equals("*"), !f[o + 4].equals("*"));
  }

  private static BitSet bits(int... values) {
    BitSet b = new BitSet();
    for (int v : values) {
      b.set(v);
    }
    return b;
  }

  private static BitSet field(String spec, int min, int max, String name) {
    BitSet out = new BitSet();
    for (String part : spec.split(",")) {
      int step = 1;
      String range = part;
      int slash = part.indexOf('/');
      if (slash >= 0) {
        step = number(part.substring(slash + 1), name);
        range = part.substring(0, slash);
        if (step <= 0) {
          throw new IllegalArgumentException(name + ": step must be positive in '" + part + "'");
        }
      }
      int lo;
      int hi;
      if (range.equals("*")) {
        lo = min;
        hi = max;
      } else if (range.contains("-")) {
        String[] ab = range.split("-", 2);
        lo = number(ab[0], name);
        hi = number(ab[1], name);
      } else {
        lo = number(range, name);
        hi = slash >= 0 ? max : lo;
      }
      if (lo < min || hi > max || lo > hi) {
        throw new IllegalArgumentException(name + ": '" + part + "' is outside " + min + "-" + max);
      }
      for (int v = lo; v <= hi; v += step) {
        out.set(v);
      }
    }
    return out;
  }

  private static int number(String s, String name) {
    try {
      return Integer.parseInt(s);
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException(name + ": '" + s + "' is not a number");
    }
  }

  /** The first occurrence strictly after {@code after}, in UTC, or null within the next ~5 years. */
  public ZonedDateTime next(ZonedDateTime after) {
    ZonedDateTime t = after.withZoneSameInstant(ZoneOffset.UTC).truncatedTo(ChronoUnit.SECONDS).plusSeconds(1);
    ZonedDateTime limit = t.plusYears(5);
    while (t.isBefore(limit)) {
      if (!months.get(t.getMonthValue())) {
        t = t.plusMonths(1).withDayOfMonth(1).truncatedTo(ChronoUnit.DAYS);
        continue;
      }
      if (!dayMatches(t)) {
        t = t.plusDays(1).truncatedTo(ChronoUnit.DAYS);
        continue;
      }
      if (!hours.get(t.getHour())) {
        t = t.plusHours(1).truncatedTo(ChronoUnit.HOURS);
        continue;
      }
      if (!minutes.get(t.getMinute())) {
        t = t.plusMinutes(1).truncatedTo(ChronoUnit.MINUTES);
        continue;
      }
      if (!seconds.get(t.getSecond())) {
        t = t.plusSeconds(1);
        continue;
      }
      return t;
    }
    return null;
  }

  private boolean dayMatches(ZonedDateTime t) {
    boolean dom = days.get(t.getDayOfMonth());
    boolean dow = weekdays.get(t.getDayOfWeek().getValue() % 7);
    if (dayRestricted && weekdayRestricted) {
      return dom || dow;
    }
    return dom && dow;
  }

  @Override
  public String toString() {
    return text;
  }
}
