// page-carriers.js -- the account's carriers through both dialects:
//   SIP trunks (BYOC, API key): trunk types static_ip / auth / reg, the
//     gateways, credentials without their passwords; every validation
//     fault shown next to its field (the API's errors[].path is the
//     form control's name: "sip_gateway.port"); each reg trunk's
//     registration_status and each probed gateway's health, as the carrier
//     list shows them, refreshed while the page is open (live.js: every
//     3 s, backing off when the server fails, paused while the tab is
//     hidden) -- only those cells change, so focus and reading position
//     stay; gateway health checks switched on and off per trunk;
//   incoming carriers (Plivo, auth ID + token): name and IP set.
// They are the same carriers: an incoming carrier is a static_ip trunk
// whose inbound gateways are its IP set.

import { h, add, field, group, radios, readForm, showErrors, mentionedField, openDialog, confirmDialog, table, pager,
  pageHead, note, badge, announce, replace, onSubmit } from './dom.js';
import { plivo, byoc, idemKey, describe } from './api.js';
import { poll, clockText, tsText } from './live.js';
import * as session from './session.js';

export const title = 'Carriers';

const LIMIT = 20;

export function render(ctx) {
  const s = ctx.session;
  add(ctx.main, pageHead('Carriers'),
    h('p', { class: 'lede' }, 'The carriers your numbers come in through. Both lists show the same carriers, through the two APIs: an incoming carrier is a static_ip SIP trunk whose inbound gateways are its IP set.'));
  if (session.hasByoc(s)) {
    const sec = h('section', { class: 'panel', 'aria-labelledby': 'trunks-h' });
    add(ctx.main, sec);
    trunks(ctx, sec);
  } else {
    add(ctx.main, note('info', 'SIP trunks (trunk types, gateways, digest and registration credentials) are managed with the BYOC API: sign in with an API key as well to see them here.'));
  }
  if (session.hasPlivo(s)) {
    const sec = h('section', { class: 'panel', 'aria-labelledby': 'incoming-h' });
    add(ctx.main, sec);
    incoming(ctx, sec);
  }
}

// ---- SIP trunks (BYOC) ------------------------------------------------------------------

const TRUNK_TYPES = [
  ['static_ip', 'Static IP', 'calls are recognised by the address they come from'],
  ['auth', 'Digest auth', 'the carrier authenticates its calls with a username and password'],
  ['reg', 'Registration', 'numberd registers to the carrier with a username and password'],
];

async function trunks(ctx, sec) {
  const offset = Number(ctx.query.get('trunks_offset') || 0);
  replace(sec, h('div', { class: 'section-head' },
    h('h2', { id: 'trunks-h' }, 'SIP trunks'),
    h('button', { type: 'button', class: 'primary', onclick: () => trunkDialog(ctx, null) }, 'Add a SIP trunk')),
  h('p', { class: 'loading' }, 'Loading…'));
  let r;
  try {
    r = await byoc.get('/carriers', { limit: LIMIT, offset });
  } catch (err) {
    sec.lastChild.replaceWith(ctx.failure(err, 'Cannot list the SIP trunks'));
    return;
  }
  if (!r.data.length && ctx.pastEnd('trunks_offset', r.offset, r.total, r.limit)) return;
  sec.lastChild.replaceWith(h('div', {},
    table({
      caption: 'SIP trunks',
      rows: r.data,
      empty: 'No carriers yet.',
      rowAttrs: (c) => ({ dataset: { carrier: c.carrier_name, carrierId: c.id } }),
      columns: [
        { label: 'Name', cell: (c) => c.carrier_name },
        { label: 'Trunk type', cell: (c) => badge(c.trunk_type, 'type') },
        { label: 'Gateways', cell: (c) => h('ul', { class: 'plain' }, c.sip_gateways.map((g) => h('li', {}, gatewayText(g)))) },
        { label: 'Credentials', cell: (c) => credentialsText(c) },
        { label: 'Numbers', cell: (c) => String(c.number_count), cls: 'num-col' },
        { label: 'Registration', cell: (c) => h('div', { class: 'live-cell', dataset: { live: 'registration' } }, regView(c)) },
        { label: 'Gateway health', cell: (c) => h('div', { class: 'live-cell', dataset: { live: 'health' } }, healthView(c)) },
        {
          label: 'Actions',
          cell: (c) => h('div', { class: 'row-actions' },
            c.sip_gateways.length > 1
              ? h('span', { class: 'hint' }, 'several gateways: edit its IP set below')
              : h('button', { type: 'button', class: 'secondary small', 'aria-label': `Edit ${c.carrier_name}`, onclick: () => trunkDialog(ctx, c) }, 'Edit'),
            c.sip_gateways.some((g) => g.outbound)
              ? h('button', { type: 'button', class: 'secondary small', 'aria-label': `Health checks of ${c.carrier_name}`, onclick: () => healthDialog(ctx, c) }, 'Health checks')
              : null,
            h('button', { type: 'button', class: 'danger small', 'aria-label': `Delete ${c.carrier_name}`, onclick: () => deleteCarrier(ctx, c.carrier_name, c.number_count, () => byoc.del(`/carriers/${c.id}`)) }, 'Delete')),
        },
      ],
    }),
    r.data.length ? pager({ offset: r.offset, limit: r.limit, total: r.total, count: r.data.length, onPage: (o) => ctx.setQuery({ ...Object.fromEntries(ctx.query), trunks_offset: o }) }) : null));
  if (r.data.length) live(ctx, sec, r.data, offset);
}

// ---- registration and gateway health, live -----------------------------------------------

const REFRESH_MS = 3000;
const STATE_KIND = { registered: 'active', up: 'active', registering: 'pending', unknown: 'pending', failed: 'bad', down: 'bad', unregistered: 'aging' };
const stateBadge = (state) => badge(state, STATE_KIND[state] || 'aging');

/** What the registration cell shows for carrier c. */
function regView(c) {
  if (c.trunk_type !== 'reg') return '—';
  const r = c.registration_status;
  if (!r) return h('span', { class: 'hint' }, 'state unknown');
  const lines = [];
  if (r.state === 'registered' && r.expires_at) lines.push(`until ${tsText(r.expires_at)}`);
  if (r.last_code || r.reason) lines.push(`last answer: ${[r.last_code, r.reason].filter(Boolean).join(' ')}`);
  if (r.failures) lines.push(`${r.failures} failed attempt${r.failures === 1 ? '' : 's'} in a row`);
  if (r.state !== 'registered' && r.next_attempt_at) lines.push(`next attempt ${tsText(r.next_attempt_at)}`);
  if (r.state === 'unregistered' && !r.last_attempt_at) lines.push('not tried yet: is the registration client running (serve --sip-listen)?');
  return [stateBadge(r.state), lines.length ? h('ul', { class: 'plain hint' }, lines.map((l) => h('li', {}, l))) : null];
}

/** What the gateway health cell shows for carrier c. */
function healthView(c) {
  if (!c.health_check) return h('span', { class: 'hint' }, c.sip_gateways.some((g) => g.outbound) ? 'not checked' : '—');
  const addr = (sid) => {
    const g = c.sip_gateways.find((x) => x.sip_gateway_sid === sid);
    return g ? `${g.ipv4}:${g.port}` : sid;
  };
  return [h('span', { class: 'hint' }, `OPTIONS every ${c.health_check.interval} s`),
    h('ul', { class: 'plain' }, c.gateway_health.map((g) => h('li', { dataset: { gateway: g.sip_gateway_sid } },
      `${addr(g.sip_gateway_sid)} `, stateBadge(g.state),
      h('span', { class: 'hint' }, g.last_code ? ` answered ${g.last_code}` : g.misses ? ` ${g.misses} missed` : '',
        g.last_probe_at ? `, probed ${tsText(g.last_probe_at)}` : '')))),
  ];
}

/**
 * Refreshes the registration and health cells of the trunks shown (the
 * same page of the same list), in place; says a change of state out loud.
 */
function live(ctx, sec, shown, offset) {
  const note = h('p', { class: 'hint live-note', dataset: { live: 'note' } },
    `Registration and gateway health refresh every ${REFRESH_MS / 1000} s while this page is shown.`);
  sec.querySelector('.section-head').after(note);
  const last = new Map(shown.map((c) => [c.id, c]));
  const setNote = (text) => { note.textContent = text; };
  poll(ctx, async () => {
    const r = await byoc.get('/carriers', { limit: LIMIT, offset });
    for (const c of r.data) {
      const row = sec.querySelector(`tr[data-carrier-id="${CSS.escape(c.id)}"]`);
      const before = last.get(c.id);
      if (!row || !before) continue; // added elsewhere: shown on the next visit
      if (JSON.stringify(before.registration_status) !== JSON.stringify(c.registration_status)) {
        replace(row.querySelector('[data-live=registration]'), regView(c));
        const was = before.registration_status && before.registration_status.state;
        if (c.registration_status && c.registration_status.state !== was) announce(`${c.carrier_name}: registration ${c.registration_status.state}`);
      }
      if (JSON.stringify([before.health_check, before.gateway_health]) !== JSON.stringify([c.health_check, c.gateway_health])) {
        replace(row.querySelector('[data-live=health]'), healthView(c));
        for (const g of c.gateway_health) {
          const old = (before.gateway_health || []).find((x) => x.sip_gateway_sid === g.sip_gateway_sid);
          if (old && old.state !== g.state) announce(`${c.carrier_name}: gateway ${g.state}`);
        }
      }
      last.set(c.id, c);
    }
    setNote(`Registration and gateway health refresh every ${REFRESH_MS / 1000} s while this page is shown; updated ${clockText()}.`);
  }, {
    every: REFRESH_MS,
    onError: (err, next) => setNote(`Could not refresh (${describe(err)}); trying again in ${Math.round(next / 1000)} s.`),
  });
}

/** Switches OPTIONS probing of a trunk's outbound gateways on (with its interval) or off. */
function healthDialog(ctx, c) {
  const on = Boolean(c.health_check);
  const form = h('form', { class: 'form', novalidate: true },
    h('p', {}, 'numberd sends SIP OPTIONS to each outbound gateway; three probes in a row without an answer (or with a 5xx/6xx) mark it down, and calls are not sent to a gateway that is down.'),
    h('div', { class: 'fields' }, field({ label: 'Interval (s)', name: 'interval', value: on ? c.health_check.interval : 30, inputmode: 'numeric', hint: '1–3600' })),
    h('div', { class: 'actions' },
      on ? h('button', { type: 'button', class: 'danger', dataset: { stop: '' } }, 'Stop health checks') : null,
      h('button', { type: 'submit', class: 'primary' }, on ? 'Save' : 'Start health checks')));
  const dlg = openDialog(`Health checks of ${c.carrier_name}`, form);
  const done = (msg) => {
    dlg.close();
    announce(msg);
    ctx.setQuery(Object.fromEntries(ctx.query));
  };
  const stopBtn = form.querySelector('[data-stop]');
  if (stopBtn) {
    stopBtn.addEventListener('click', async () => {
      try {
        await byoc.del(`/carriers/${c.id}/health_check`);
        done(`Health checks of ${c.carrier_name} stopped`);
      } catch (err) {
        showErrors(form, err);
      }
    });
  }
  onSubmit(form, async (e) => {
    const v = readForm(form).interval || '';
    // sent as typed when it is not a whole number: the API's message lands at the field
    const interval = /^\d{1,9}$/.test(v) ? Number(v) : v;
    try {
      await byoc.put(`/carriers/${c.id}/health_check`, { interval });
      done(`Health checks of ${c.carrier_name}: every ${interval} s`);
    } catch (err) {
      // the API names no path for its one field
      showErrors(form, err, () => 'interval');
    }
  });
}

function gatewayText(g) {
  const dir = [g.inbound ? 'in' : null, g.outbound ? 'out' : null].filter(Boolean).join(' + ');
  const mask = g.inbound && ((g.ipv4.includes(':') && g.netmask !== 128) || (!g.ipv4.includes(':') && g.netmask !== 32)) ? `/${g.netmask}` : '';
  return `${g.ipv4}${mask} port ${g.port} (${dir})`;
}

function credentialsText(c) {
  if (c.inbound_auth) return `digest user ${c.inbound_auth.username}`;
  if (c.registration) return `registers as ${c.registration.username}@${c.registration.sip_realm} every ${c.registration.expires} s`;
  return '—';
}

/** Create (c null) or edit a SIP trunk. */
function trunkDialog(ctx, c) {
  const g = c && c.sip_gateway ? c.sip_gateway : { port: 5060, netmask: 32, inbound: true, outbound: true };
  const ia = (c && c.inbound_auth) || {};
  const reg = (c && c.registration) || {};
  const keep = c ? 'leave empty to keep the current one' : '8 to 128 characters; stored encrypted, never shown again';
  const authGroup = group('Inbound authentication', 'inbound_auth',
    field({ label: 'Username', name: 'inbound_auth.username', value: ia.username, autocomplete: 'off' }),
    field({ label: 'Password', name: 'inbound_auth.password', type: 'password', autocomplete: 'new-password', hint: keep }));
  const regGroup = group('Registration', 'registration',
    field({ label: 'Username', name: 'registration.username', value: reg.username, autocomplete: 'off' }),
    field({ label: 'Password', name: 'registration.password', type: 'password', autocomplete: 'new-password', hint: keep }),
    field({ label: 'SIP realm', name: 'registration.sip_realm', value: reg.sip_realm, hint: 'host name or IPv4, no sip: prefix' }),
    field({ label: 'From user', name: 'registration.from_user', value: reg.from_user, hint: 'optional' }),
    field({ label: 'From domain', name: 'registration.from_domain', value: reg.from_domain, hint: 'optional' }),
    field({ label: 'Expires (s)', name: 'registration.expires', value: reg.expires ?? 3600, inputmode: 'numeric', hint: '60–86400' }));
  const showFor = () => {
    const t = form.querySelector('input[name=trunk_type]:checked').value;
    authGroup.hidden = t !== 'auth';
    regGroup.hidden = t !== 'reg';
  };
  const form = h('form', { class: 'form', novalidate: true },
    h('div', { class: 'fields' }, field({ label: 'Name', name: 'carrier_name', value: c ? c.carrier_name : '', wide: true, hint: '1–100 characters, unique in your account' })),
    radios('Trunk type', 'trunk_type', TRUNK_TYPES, c ? c.trunk_type : 'static_ip', () => showFor()),
    group('SIP gateway', 'sip_gateway',
      field({ label: 'Address', name: 'sip_gateway.ipv4', value: g.ipv4, spellcheck: 'false', hint: 'an IPv4 address; a host name only for an outbound-only gateway' }),
      field({ label: 'Port', name: 'sip_gateway.port', value: g.port, inputmode: 'numeric', hint: '1–65535' }),
      field({ label: 'Netmask', name: 'sip_gateway.netmask', value: g.netmask, inputmode: 'numeric', hint: '1–32: the carrier\'s calls may come from the whole range; 32 on an outbound gateway (calls go to one address)' }),
      field({ label: 'Inbound (calls come from it)', name: 'sip_gateway.inbound', type: 'checkbox', value: g.inbound }),
      field({ label: 'Outbound (calls go to it)', name: 'sip_gateway.outbound', type: 'checkbox', value: g.outbound })),
    authGroup, regGroup,
    h('div', { class: 'actions' }, h('button', { type: 'submit', class: 'primary' }, c ? 'Save' : 'Add SIP trunk')));
  showFor();
  const dlg = openDialog(c ? `Edit ${c.carrier_name}` : 'Add a SIP trunk', form, { wide: true });
  const key = idemKey();
  onSubmit(form, async (e) => {
    const body = nest(readForm(form));
    // a trunk type's credentials go with it; changing type removes the others
    if (body.trunk_type !== 'auth') body.inbound_auth = c ? null : undefined;
    if (body.trunk_type !== 'reg') body.registration = c ? null : undefined;
    const btn = form.querySelector('button[type=submit]');
    btn.disabled = true;
    try {
      if (c) await byoc.patch(`/carriers/${c.id}`, body);
      else await byoc.post('/carriers', body, { idem: key });
      dlg.close();
      announce(c ? `Saved ${body.carrier_name}` : `Added ${body.carrier_name}`);
      ctx.setQuery(Object.fromEntries(ctx.query));
    } catch (err) {
      btn.disabled = false;
      showErrors(form, err);
    }
  });
}

/**
 * {"sip_gateway.port": "5060", ...} -> {sip_gateway: {port: 5060}}: the
 * form's names are the API's JSON paths.  Whole numbers become numbers;
 * anything else is sent as typed, for the API to judge (its message then
 * lands at the field).
 */
function nest(flat) {
  const out = {};
  for (const [k, v] of Object.entries(flat)) {
    const parts = k.split('.');
    let o = out;
    for (const p of parts.slice(0, -1)) o = o[p] = o[p] || {};
    const leaf = parts[parts.length - 1];
    o[leaf] = typeof v === 'string' && /^(port|netmask|expires)$/.test(leaf) && /^\d{1,9}$/.test(v) ? Number(v) : v;
  }
  return out;
}

// ---- incoming carriers (Plivo) -------------------------------------------------------

async function incoming(ctx, sec) {
  const offset = Number(ctx.query.get('incoming_offset') || 0);
  replace(sec, h('div', { class: 'section-head' },
    h('h2', { id: 'incoming-h' }, 'Incoming carriers'),
    h('button', { type: 'button', class: session.hasByoc(ctx.session) ? 'secondary' : 'primary', onclick: () => incomingDialog(ctx, null) }, 'Add an incoming carrier')),
  h('p', { class: 'loading' }, 'Loading…'));
  let r;
  try {
    r = await plivo.get('IncomingCarrier/', { limit: LIMIT, offset });
  } catch (err) {
    sec.lastChild.replaceWith(ctx.failure(err, 'Cannot list the incoming carriers'));
    return;
  }
  if (!r.objects.length && ctx.pastEnd('incoming_offset', r.meta.offset, r.meta.total_count, LIMIT)) return;
  sec.lastChild.replaceWith(h('div', {},
    table({
      caption: 'Incoming carriers (Plivo API)',
      rows: r.objects,
      empty: 'No carriers yet.',
      columns: [
        { label: 'Name', cell: (c) => c.name },
        { label: 'Carrier ID', cell: (c) => h('code', {}, c.carrier_id) },
        { label: 'IP set', cell: (c) => h('ul', { class: 'plain' }, c.ip_set.split(',').filter(Boolean).map((ip) => h('li', {}, ip))) },
        { label: 'Voice', cell: (c) => (c.voice ? 'yes' : 'no') },
        { label: 'SMS', cell: (c) => (c.sms ? 'yes' : 'no') },
        {
          label: 'Actions',
          cell: (c) => h('div', { class: 'row-actions' },
            h('button', { type: 'button', class: 'secondary small', 'aria-label': `Edit ${c.name}`, onclick: () => incomingDialog(ctx, c) }, 'Edit'),
            h('button', { type: 'button', class: 'danger small', 'aria-label': `Delete ${c.name}`, onclick: () => deleteCarrier(ctx, c.name, null, () => plivo.del(`IncomingCarrier/${c.carrier_id}/`)) }, 'Delete')),
        },
      ],
    }),
    r.objects.length ? pager({ offset: r.meta.offset, limit: LIMIT, total: r.meta.total_count, count: r.objects.length, onPage: (o) => ctx.setQuery({ ...Object.fromEntries(ctx.query), incoming_offset: o }) }) : null));
}

function incomingDialog(ctx, c) {
  const form = h('form', { class: 'form', novalidate: true },
    h('div', { class: 'fields' },
      field({ label: 'Name', name: 'name', value: c ? c.name : '', hint: '1–64 of letters, digits, _ and -' }),
      field({ label: 'IP set', name: 'ip_set', type: 'textarea', value: c ? c.ip_set : '', wide: true, spellcheck: 'false', hint: 'the addresses its calls come from: IPv4 or IPv6, optionally with a /prefix, separated by commas' }),
      field({ label: 'Voice', name: 'voice', type: 'checkbox', value: c ? c.voice : true }),
      field({ label: 'SMS', name: 'sms', type: 'checkbox', value: c ? c.sms : true })),
    h('div', { class: 'actions' }, h('button', { type: 'submit', class: 'primary' }, c ? 'Save' : 'Add incoming carrier')));
  const dlg = openDialog(c ? `Edit ${c.name}` : 'Add an incoming carrier', form);
  onSubmit(form, async (e) => {
    const v = readForm(form);
    try {
      if (c) await plivo.post(`IncomingCarrier/${c.carrier_id}/`, v);
      else await plivo.post('IncomingCarrier/', v);
      dlg.close();
      announce(c ? `Saved ${v.name}` : `Added ${v.name}`);
      ctx.setQuery(Object.fromEntries(ctx.query));
    } catch (err) {
      showErrors(form, err, mentionedField(['ip_set', 'name', 'voice', 'sms']));
    }
  });
}

async function deleteCarrier(ctx, name, count, del) {
  const ok = await confirmDialog({
    title: `Delete ${name}?`,
    body: [count ? `It still routes ${count} number(s): the API refuses to delete it until they are removed.` : 'Calls from it will no longer be recognised. This cannot be undone.'],
    confirm: 'Delete',
    danger: true,
  });
  if (!ok) return;
  try {
    await del();
    announce(`Deleted ${name}`);
    ctx.setQuery(Object.fromEntries(ctx.query));
  } catch (err) {
    announce(`Cannot delete ${name}: ${describe(err)}`, 'error');
  }
}
