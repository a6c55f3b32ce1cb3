package io.meshfl.core.plan;

import java.time.ZonedDateTime;
import java.util.BitSet;
import java.util.Locale;

/**
 * A five-field cron expression ({@code minute hour day-of-month month day-of-week}), as crontab(5)
 * reads it: numbers, {@code *}, ranges {@code a-b}, steps {@code * /n} and {@code a-b/n}, and
 * comma lists; day of week 0-7 with 0 and 7 both Sunday. When both day fields are restricted a
 * day matching either one matches, as Vixie cron does. Names (JAN, MON) and the non-standard
 * {@code L}, {@code W}, {@code #} and {@code ?} are refused rather than guessed at.
 */
public final class CronSchedule {

    private static final String[] NAMES = {"minute", "hour", "day of month", "month", "day of week"};
    private static final int[] MIN = {0, 0, 1, 1, 0};
    private static final int[] MAX = {59, 23, 31, 12, 7};

    private final String expression;
    private final BitSet[] allowed = new BitSet[5];
    private final boolean anyDayOfMonth;
    private final boolean anyDayOfWeek;

    private CronSchedule(String expression, String[] fields) {
        this.expression = expression;
        for (int i = 0; i < 5; i++) allowed[i] = field(fields[i], i);
        // crontab(5): Sunday is 0 or 7
        if (allowed[4].get(7)) allowed[4].set(0);
        anyDayOfMonth = fields[2].startsWith("*");
        anyDayOfWeek = fields[4].startsWith("*");
    }

    /** The schedule of {@code expression}; an {@link IllegalArgumentException} naming the field and the value that is wrong. */
    public static CronSchedule parse(String expression) {
        if (expression == null || expression.isBlank()) throw new IllegalArgumentException("a cron expression is empty");
        String[] fields = expression.trim().split("\\s+");
        if (fields.length != 5) {
            throw new IllegalArgumentException("a cron expression has 5 fields (minute hour day-of-month month day-of-week), '" + expression
                    + "' has " + fields.length);
        }
        return new CronSchedule(expression.trim(), fields);
    }

    /** Whether the minute of {@code t} (in its own time zone) is one the schedule fires at. */
    public boolean matches(ZonedDateTime t) {
        if (!allowed[0].get(t.getMinute()) || !allowed[1].get(t.getHour()) || !allowed[3].get(t.getMonthValue())) return false;
        boolean dom = allowed[2].get(t.getDayOfMonth());
        boolean dow = allowed[4].get(t.getDayOfWeek().getValue() % 7);
        if (anyDayOfMonth || anyDayOfWeek) return dom && dow;
        return dom || dow;
    }

    /** The first minute after {@code t} the schedule fires at, searched up to five years ahead (a 31 February never fires). */
    public ZonedDateTime next(ZonedDateTime t) {
        ZonedDateTime c = t.withSecond(0).withNano(0).plusMinutes(1);
        ZonedDateTime end = t.plusYears(5);
        while (c.isBefore(end)) {
            if (!allowed[3].get(c.getMonthValue())) {
                c = c.withDayOfMonth(1).withHour(0).withMinute(0).plusMonths(1);
            } else if (!(anyDayOfMonth || anyDayOfWeek ? allowed[2].get(c.getDayOfMonth()) && allowed[4].get(c.getDayOfWeek().getValue() % 7)
                    : allowed[2].get(c.getDayOfMonth()) || allowed[4].get(c.getDayOfWeek().getValue() % 7))) {
                c = c.withHour(0).withMinute(0).plusDays(1);
            } else if (!allowed[1].get(c.getHour())) {
                c = c.withMinute(0).plusHours(1);
            } else if (!allowed[0].get(c.getMinute())) {
                c = c.plusMinutes(1);
            } else {
                return c;
            }
        }
        throw new IllegalArgumentException("cron expression '" + expression + "' never fires");
    }

    @Override
    public String toString() {
        return expression;
    }

    private static BitSet field(String text, int i) {
        BitSet out = new BitSet();
        for (String part : text.split(",", -1)) {
            if (part.isEmpty()) throw bad(i, text, "has an empty list entry");
            int step = 1;
            String range = part;
            int slash = part.indexOf('/');
            if (slash >= 0) {
                step = number(part.substring(slash + 1), i, text);
                if (step < 1) throw bad(i, text, "has a step below 1");
                range = part.substring(0, slash);
            }
            int lo, hi;
            if (range.equals("*")) {
                lo = MIN[i];
                hi = i == 4 ? 6 : MAX[i];
            } else if (range.contains("-")) {
                String[] ab = range.split("-", -1);
                if (ab.length != 2) throw bad(i, text, "has a malformed range '" + range + "'");
                lo = number(ab[0], i, text);
                hi = number(ab[1], i, text);
                if (lo > hi) throw bad(i, text, "has a range that runs backwards (" + range + ")");
            } else {
                lo = number(range, i, text);
                // "5/15" means from 5 to the end of the field, every 15
                hi = slash >= 0 ? MAX[i] : lo;
            }
            for (int v = lo; v <= hi; v += step) out.set(v);
        }
        return out;
    }

    private static int number(String s, int i, String text) {
        if (s.isEmpty() || !s.chars().allMatch(Character::isDigit)) {
            throw bad(i, text, "'" + s + "' is not a number" + (s.chars().anyMatch(Character::isLetter) ? " (names such as "
                    + s.toUpperCase(Locale.ROOT) + " are not read: write the number)" : ""));
        }
        int v;
        try {
            v = Integer.parseInt(s);
        } catch (NumberFormatException e) {
            throw bad(i, text, "'" + s + "' is out of range " + MIN[i] + "-" + MAX[i]);
        }
        if (v < MIN[i] || v > MAX[i]) throw bad(i, text, "'" + s + "' is out of range " + MIN[i] + "-" + MAX[i]);
        return v;
    }

    private static IllegalArgumentException bad(int i, String text, String what) {
        return new IllegalArgumentException("the " + NAMES[i] + " field '" + text + "' " + what);
    }
}
