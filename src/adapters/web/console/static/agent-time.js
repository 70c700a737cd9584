// Wall-clock times of a time zone for datetime-local inputs (no library: Intl only).

function wall(instant, zone) {
  const parts = new Intl.DateTimeFormat("en-US", {
    timeZone: zone,
    hourCycle: "h23",
    year: "numeric",
    month: "2-digit",
    day: "2-digit",
    hour: "2-digit",
    minute: "2-digit",
    second: "2-digit",
  }).formatToParts(instant);
  return Object.fromEntries(parts.map((p) => [p.type, p.value]));
}

/** Minutes `zone` is ahead of UTC at `epochMs`. */
function offsetAt(epochMs, zone) {
  const instant = new Date(Math.floor(epochMs / 1000) * 1000);
  const w = wall(instant, zone);
  const asUtc = Date.UTC(+w.year, +w.month - 1, +w.day, +w.hour, +w.minute, +w.second);
  return Math.round((asUtc - instant.getTime()) / 60000);
}

/** An ISO 8601 time (any offset) as `zone`'s wall clock, for a datetime-local input. */
export function localOf(iso, zone) {
  const w = wall(new Date(iso), zone);
  return `${w.year}-${w.month}-${w.day}T${w.hour}:${w.minute}`;
}

/** A datetime-local value (`2026-12-01T14:30`), read as `zone`'s wall clock, as ISO 8601
 * with that zone's offset then (a time passed twice is its earlier instant; one the
 * clocks skip is moved by the gap, and the server checks it like any other). */
export function zonedIso(local, zone) {
  const m = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})(?::(\d{2}))?/.exec(local);
  if (!m) return local;
  const asUtc = Date.UTC(+m[1], +m[2] - 1, +m[3], +m[4], +m[5], +(m[6] || 0));
  // The earlier of the offsets around that wall time wins when both fit (a repeated hour).
  const candidates = [offsetAt(asUtc - 86400000, zone), offsetAt(asUtc + 86400000, zone)]
    .sort((a, b) => b - a)
    .filter((off) => offsetAt(asUtc - off * 60000, zone) === off);
  const offset = candidates.length ? candidates[0] : offsetAt(asUtc, zone);
  const sign = offset < 0 ? "-" : "+";
  const abs = Math.abs(offset);
  const pad = (n) => String(n).padStart(2, "0");
  return `${m[1]}-${m[2]}-${m[3]}T${m[4]}:${m[5]}:${pad(+(m[6] || 0))}${sign}${pad(Math.floor(abs / 60))}:${pad(abs % 60)}`;
}
