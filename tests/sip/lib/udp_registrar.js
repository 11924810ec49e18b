'use strict';
// A scripted SIP registrar for the registration tests: a UDP socket (node
// dgram) on ip:<free port> that answers each REGISTER as the test says --
// what a real registrar seldom does (late answers, refusals, odd reason
// phrases).  tests/sip/lib/registrar.js is the real one (Kamailio).
//
//   const reg = await fakeRegistrar(ip, (req, reply, n) => reply(200, 'OK', [...]));
//   req: {msg, expires, cseq, callId, auth, pauth, contact, t}; n: REGISTERs so far
//   reply(status, reason, extraHeaders = [], delayMs = 0); reason may be a
//   Buffer (bytes that are not UTF-8)
//   reg.ip, reg.port, reg.seen (every req), reg.close()

const dgram = require('node:dgram');

/** The value of header name in a SIP message (case-insensitive), or null. */
function hdr(msg, name) {
  const m = new RegExp(`^${name}\\s*:\\s*(.*)$`, 'im').exec(msg);
  return m ? m[1].trim() : null;
}

async function fakeRegistrar(ip, handler) {
  const sock = dgram.createSocket('udp4');
  await new Promise((r) => sock.bind(0, ip, r));
  const seen = [];
  let closed = false;
  sock.on('message', (buf, rinfo) => {
    const msg = buf.toString('latin1');
    if (!msg.startsWith('REGISTER')) return;
    const req = { msg, expires: hdr(msg, 'Expires'), cseq: hdr(msg, 'CSeq'), callId: hdr(msg, 'Call-ID'),
      auth: hdr(msg, 'Authorization'), pauth: hdr(msg, 'Proxy-Authorization'), contact: hdr(msg, 'Contact'), t: Date.now() };
    seen.push(req);
    const reply = (status, reason, extra = [], delay = 0) => {
      const head = [`Via: ${hdr(msg, 'Via')};received=${rinfo.address}`,
        `From: ${hdr(msg, 'From')}`, `To: ${hdr(msg, 'To')};tag=reg1`, `Call-ID: ${req.callId}`,
        `CSeq: ${req.cseq}`, ...extra, 'Content-Length: 0', '', ''].join('\r\n');
      const out = Buffer.concat([Buffer.from(`SIP/2.0 ${status} `), Buffer.isBuffer(reason) ? reason : Buffer.from(reason),
        Buffer.from(`\r\n${head}`)]);
      // a late answer still due when the test closed the registrar is
      // dropped with it (sent, it threw on the closed socket)
      setTimeout(() => { if (!closed) sock.send(out, rinfo.port, rinfo.address); }, delay);
    };
    handler(req, reply, seen.length);
  });
  return { ip, port: sock.address().port, seen, close: () => { closed = true; sock.close(); } };
}

module.exports = { fakeRegistrar, hdr };
