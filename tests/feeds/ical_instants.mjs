// Print, for every VEVENT of the iCalendar document on stdin, the UTC instants
// Mozilla's ical.js (the parser of Thunderbird and many web calendars) computes:
//
//   <UID> TAB <DTSTART as UTC ISO 8601> TAB <DTEND as UTC ISO 8601>
//
// The document's VTIMEZONEs are registered with ICAL.TimezoneService first, as
// a calendar client does, so TZID parameters resolve to them. A TZID that no
// VTIMEZONE defines is an error (exit 1), never a silent floating time.
import ICAL from "ical.js";

const chunks = [];
for await (const chunk of process.stdin) chunks.push(chunk);
const calendar = new ICAL.Component(ICAL.parse(Buffer.concat(chunks).toString("utf8")));

for (const vtimezone of calendar.getAllSubcomponents("vtimezone")) {
  ICAL.TimezoneService.register(vtimezone);
}

function utc(property, uid) {
  const tzid = property.getParameter("tzid");
  if (tzid && !ICAL.TimezoneService.has(tzid)) {
    throw new Error(`${uid}: TZID ${tzid} has no VTIMEZONE`);
  }
  const time = property.getFirstValue();
  return new Date(time.toUnixTime() * 1000).toISOString().replace(".000Z", "Z");
}

for (const vevent of calendar.getAllSubcomponents("vevent")) {
  const uid = vevent.getFirstPropertyValue("uid");
  const start = utc(vevent.getFirstProperty("dtstart"), uid);
  const end = utc(vevent.getFirstProperty("dtend"), uid);
  process.stdout.write(`${uid}\t${start}\t${end}\n`);
}
