/**
 * The outbox page's code: polls `/outbox.json` every 2 seconds and redraws the table with DOM
 * calls (Trusted Types forbid HTML strings), announcing new messages politely.
 * @module
 */

interface Message {
  id: string;
  channel: string;
  to: string;
  text: string;
  createdAt: string;
}

const POLL_MS = 2000;
const table = document.getElementById('outbox');
const body = table?.querySelector('tbody');
const empty = document.getElementById('outbox-empty');
const status = document.getElementById('outbox-status');
let newest: string | undefined = body?.querySelector('tr')?.dataset.id;

function cell(text: string, className?: string): HTMLTableCellElement {
  const td = document.createElement('td');
  td.textContent = text;
  if (className) td.className = className;
  return td;
}

function row(message: Message): HTMLTableRowElement {
  const tr = document.createElement('tr');
  tr.dataset.id = message.id;
  const time = document.createElement('time');
  time.dateTime = message.createdAt;
  time.textContent = new Date(message.createdAt).toLocaleString();
  const when = document.createElement('td');
  when.append(time);
  tr.append(when, cell(message.channel), cell(message.to), cell(message.text, 'message'));
  return tr;
}

function isMessages(value: unknown): value is { messages: Message[] } {
  return (
    typeof value === 'object' &&
    value !== null &&
    'messages' in value &&
    Array.isArray(value.messages)
  );
}

async function refresh(): Promise<void> {
  try {
    const res = await fetch('/outbox.json', { cache: 'no-store' });
    const data: unknown = res.ok ? await res.json() : undefined;
    if (!isMessages(data) || !body || !table || !empty) return;
    const fresh = data.messages.findIndex((message) => message.id === newest);
    const added = fresh === -1 ? data.messages.length : fresh;
    body.replaceChildren(...data.messages.map(row));
    table.hidden = data.messages.length === 0;
    empty.hidden = data.messages.length > 0;
    if (data.messages[0] && data.messages[0].id !== newest) {
      newest = data.messages[0].id;
      if (status) status.textContent = added === 1 ? '1 new message.' : `${added} new messages.`;
    }
  } catch {
    // A missed poll is retried at the next tick.
  } finally {
    setTimeout(() => void refresh(), POLL_MS);
  }
}

void refresh();
