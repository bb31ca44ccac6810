/**
 * The `data` of each event in a Server-Sent Events text (the WHATWG event-stream format), in order:
 * events end at a blank line, an event's data lines are joined with "\n", comments and other
 * fields are skipped. An event cut off before its blank line (an aborted stream) still counts. Pure.
 */
export function sseData(text: string): string[] {
  const out: string[] = [];
  let data: string[] | undefined;
  for (const line of text.split(/\r\n|\r|\n/)) {
    if (line === '') {
      if (data) out.push(data.join('\n'));
      data = undefined;
      continue;
    }
    if (line.startsWith(':')) continue;
    const colon = line.indexOf(':');
    const field = colon === -1 ? line : line.slice(0, colon);
    if (field !== 'data') continue;
    let value = colon === -1 ? '' : line.slice(colon + 1);
    if (value.startsWith(' ')) value = value.slice(1);
    (data ??= []).push(value);
  }
  if (data) out.push(data.join('\n'));
  return out;
}
