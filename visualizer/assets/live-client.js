// Gantry inspect page: live updates (docs/design/engine.md §7.1). A client of the server's /live WebSocket that reconnects by
// itself with exponential backoff (250 ms doubling, capped at 8 s, with jitter) — across server restarts too. Each
// notice makes the page fetch the delta from /api/changes; while no notices can arrive (socket down, database
// notifications interrupted, or no notification source at all) the page polls. Hand-written, served offline.
const MIN_MS = 250;
const MAX_MS = 8000;
const POLL_MS = 500;
/** While notices arrive, the page still fetches the delta this often (writers the source does not see, slow sockets). */
const CATCHUP_MS = 10_000;
const SOURCES = { engine: 'engine events', postgres: 'PostgreSQL LISTEN', polling: 'no notification source' };

/**
 * Connects to /live and keeps reconnecting: `on.message(msg)` gets each JSON message, `on.state({connected,
 * retryInMs, error})` each change of the connection.
 */
function connectLive(on) {
  let delay = MIN_MS;
  const open = () => {
    const ws = new WebSocket(`${location.protocol === 'https:' ? 'wss' : 'ws'}://${location.host}/live`);
    ws.addEventListener('message', (e) => {
      let msg;
      try {
        msg = JSON.parse(e.data);
      } catch (err) {
        on.state({ connected: true, retryInMs: null, error: `bad live message: ${err.message}` });
        return;
      }
      if (msg.type === 'hello') {
        delay = MIN_MS;
        on.state({ connected: true, retryInMs: null, error: null });
      }
      on.message(msg);
    });
    // 'error' is always followed by 'close', where the reconnection is scheduled.
    ws.addEventListener('close', () => {
      const wait = Math.round(delay * (0.8 + Math.random() * 0.4));
      delay = Math.min(MAX_MS, delay * 2);
      on.state({ connected: false, retryInMs: wait, error: null });
      setTimeout(open, wait);
    });
  };
  open();
}

/** The words of the connection status shown in the header. */
function describe(live) {
  const notices = `${live.messages} notice${live.messages === 1 ? '' : 's'}`;
  if (live.mode === 'websocket') return `live · WebSocket (${SOURCES[live.source]}) · ${notices}${live.lastChange ? ` · last: ${live.lastChange}` : ''}`;
  if (live.connected && live.source === 'polling') return `live · WebSocket open, polling every ${POLL_MS} ms (${SOURCES.polling}: nothing else writes this database)`;
  if (live.connected) return `live · polling every ${POLL_MS} ms: database notifications interrupted${live.error ? ` (${live.error})` : ''}, reconnecting`;
  const retry = live.retryInMs === null ? '' : `, reconnecting in ${(live.retryInMs / 1000).toFixed(1)} s`;
  return `polling every ${POLL_MS} ms · WebSocket disconnected${retry}`;
}

/**
 * Starts live updates. `opts.fetchChanges()` fetches and applies the delta, `opts.reload()` reloads everything (after
 * the server restarted), `opts.onError(err)` shows a failed fetch, `opts.lastId()` is the newest audit id seen, and
 * `opts.box` shows the connection status (data-mode `websocket` | `polling`, data-source, data-messages).
 */
export function startLive(opts) {
  const live = { mode: 'connecting', connected: false, source: null, listening: false, serverId: null, messages: 0, lastChange: '', retryInMs: null, error: null, fetchedAt: 0 };
  let fetching = null;
  let again = false;

  const show = () => {
    live.mode = live.connected && live.listening && live.source !== 'polling' ? 'websocket' : 'polling';
    Object.assign(opts.box.dataset, { mode: live.mode, source: live.source ?? '', messages: String(live.messages) });
    opts.box.textContent = `${describe(live)} · last audit row #${opts.lastId()}`;
  };

  /** Fetches the delta now, or once more after the fetch in flight. */
  const refresh = () => {
    if (fetching) {
      again = true;
      return fetching;
    }
    fetching = (async () => {
      do {
        again = false;
        live.fetchedAt = Date.now();
        try {
          await opts.fetchChanges();
        } catch (err) {
          opts.onError(err);
        }
      } while (again);
    })().finally(() => (fetching = null));
    return fetching;
  };

  const onMessage = async (msg) => {
    live.messages += 1;
    if (msg.type === 'hello') {
      const restarted = live.serverId !== null && live.serverId !== msg.server_id;
      Object.assign(live, { serverId: msg.server_id, source: msg.source, listening: msg.listening, error: null });
      if (restarted) await opts.reload();
    } else if (msg.type === 'source') Object.assign(live, { listening: msg.listening, error: msg.error });
    else if (msg.type === 'transitions') {
      const t = msg.transitions[msg.transitions.length - 1];
      const runs = msg.run_ids.length ? ` (run ${msg.run_ids.join(', ')})` : '';
      live.lastChange = t ? `${t.entity_type} ${t.id} ${t.from ?? '∅'} → ${t.to} (${t.event})` : `${msg.count} audit row${msg.count === 1 ? '' : 's'} committed${runs}`;
    }
    show();
    if (msg.type !== 'source') await refresh();
    show();
  };

  const tick = async () => {
    try {
      if (live.mode !== 'websocket' || Date.now() - live.fetchedAt >= CATCHUP_MS) await refresh();
      show();
    } finally {
      setTimeout(tick, POLL_MS);
    }
  };

  connectLive({
    message: (msg) => void onMessage(msg).catch(opts.onError),
    state: (s) => {
      Object.assign(live, { connected: s.connected, retryInMs: s.retryInMs }, s.error ? { error: s.error } : {});
      show();
    },
  });
  setTimeout(tick, POLL_MS);
}
