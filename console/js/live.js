// live.js -- keeping part of a page fresh while it is open, by polling the
// public APIs (they have no push channel, and the console gets no private
// one).
//
// poll(ctx, fn) calls fn every `every` ms.  When fn fails (it throws) the
// wait doubles, up to `max`, so a struggling server is not hammered; the
// first success returns to `every`.  While the tab is hidden nothing is
// asked at all; when it shows again fn runs at once.  The poll ends by
// itself once the page is left (ctx.current() turns false), or with stop().

/** Starts polling; returns {stop, now, delay} (now: run fn at once). */
export function poll(ctx, fn, { every = 3000, max = 60000, onError } = {}) {
  let delay = every;
  let timer = null;
  let stopped = false;
  let running = false;

  const schedule = (ms) => {
    clearTimeout(timer);
    timer = setTimeout(tick, ms);
  };

  async function tick() {
    timer = null;
    if (stopped) return;
    if (!ctx.current()) {
      stop();
      return;
    }
    if (document.hidden) return; // visibilitychange starts it again
    running = true;
    try {
      await fn();
      delay = every;
    } catch (err) {
      delay = Math.min(max, delay * 2);
      if (onError) onError(err, delay);
    }
    running = false;
    if (!stopped && ctx.current() && !document.hidden) schedule(delay);
  }

  function onVisibility() {
    if (stopped) return;
    if (document.hidden) {
      clearTimeout(timer);
      timer = null;
    } else if (!running && !timer) {
      schedule(0); // back in view: what changed meanwhile, at once
    }
  }

  function stop() {
    stopped = true;
    clearTimeout(timer);
    document.removeEventListener('visibilitychange', onVisibility);
  }

  document.addEventListener('visibilitychange', onVisibility);
  schedule(delay);
  return { stop, now: () => { if (!running) schedule(0); }, delay: () => delay };
}

/** "12:34:56" of a Date, for "updated at". */
export function clockText(d = new Date()) {
  return d.toTimeString().slice(0, 8);
}

/** An API timestamp ("2026-12-02T05:40:33Z") as "2026-12-02 05:40:33 UTC"; "—" for null. */
export function tsText(ts) {
  return ts ? ts.replace('T', ' ').replace('Z', ' UTC') : '—';
}
