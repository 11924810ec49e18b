#!/usr/bin/env python3
"""Writes the seed corpora of tests/fuzz/corpus/<target>/ (run it again
after changing a seed here; the files are committed).  Small, hand-made
inputs: one per shape the parser knows, so that the fuzzer starts from
every branch a real client takes."""
import base64
import hashlib
import json
import os
import shutil

HERE = os.path.dirname(os.path.abspath(__file__))
CORPUS = os.path.join(HERE, 'corpus')

# Expanded lengths of fuzz_api.c's placeholders, for Content-Length.
PLACEHOLDER_LEN = {'@A@': 20, '@S@': 20, '@a@': 84, '@s@': 84, '@K@': 51, '@T@': 33,
                   '@C@': 14, '@U@': 36, '@P@': 17}


def expanded_len(s):
    n = len(s.encode())
    for k, v in PLACEHOLDER_LEN.items():
        n += s.count(k) * (v - len(k))
    return n


def write(target, items):
    d = os.path.join(CORPUS, target)
    shutil.rmtree(d, ignore_errors=True)
    os.makedirs(d)
    for item in items:
        data = item if isinstance(item, bytes) else item.encode()
        name = hashlib.sha1(data).hexdigest()[:16]
        with open(os.path.join(d, name), 'wb') as f:
            f.write(data)


def req(method, path, auth=None, body=None, ctype=None, extra=()):
    lines = [f'{method} {path} HTTP/1.1', 'Host: numberd']
    if auth == 'plivo':
        lines.append('Authorization: Basic @a@')
    elif auth == 'sub':
        lines.append('Authorization: Basic @s@')
    elif auth == 'byoc':
        lines.append('Authorization: Bearer @K@')
    elif auth == 'admin':
        lines.append('Authorization: Bearer @T@')
    lines.extend(extra)
    if body is not None:
        if not isinstance(body, str):
            body = json.dumps(body)
        lines.append(f'Content-Type: {ctype or "application/json"}')
        lines.append(f'Content-Length: {expanded_len(body)}')
    return '\r\n'.join(lines) + '\r\n\r\n' + (body or '')


ACC = '/v1/Account/@A@'
SUB = '/v1/Account/@S@'
api = [
    req('GET', ACC + '/PhoneNumber/?country_iso=US&limit=3&type=local&pattern=415', 'plivo'),
    req('GET', ACC + '/PhoneNumber/?country_iso=us&npanxx=415555&local_calling_area=true&services=voice,sms', 'plivo'),
    req('POST', ACC + '/PhoneNumber/14155550100/', 'plivo', {'app_id': '@P@'},
        extra=['Idempotency-Key: fuzz-key-0001']),
    req('POST', ACC + '/PhoneNumber/14155550101/', 'plivo', 'subaccount=@S@&cnam_lookup=enabled',
        'application/x-www-form-urlencoded'),
    req('POST', ACC + '/PhoneNumber/447700900106/', 'plivo', {}),
    req('GET', ACC + '/Number/?limit=5&offset=0&number_startswith=1415&services=voice&renewal_date__gte=2020-01-01', 'plivo'),
    req('GET', ACC + '/Number/14155550100/', 'plivo'),
    req('POST', ACC + '/Number/14155550100/', 'plivo',
        {'alias': 'main line', 'cnam_lookup': 'enabled', 'cnam': 'ACME', 'app_id': '@P@',
         'subaccount': '@S@', 'caller_reputation': 'enabled',
         'profile_uuid': '2f1d3c4e-5a6b-4c7d-8e9f-0a1b2c3d4e5f'}),
    req('DELETE', ACC + '/Number/14155550100/', 'plivo', '""'),
    req('POST', ACC + '/Number/', 'plivo',
        {'numbers': '14155550190,14155550191', 'carrier': '@C@', 'region': 'CALIFORNIA',
         'number_type': 'local', 'app_id': '@P@'}),
    req('POST', ACC + '/IncomingCarrier/', 'plivo',
        {'name': 'edge-1', 'ip_set': '192.0.2.1, 10.0.0.0/24, 2001:db8::1', 'voice': 'true', 'sms': False}),
    req('GET', ACC + '/IncomingCarrier/?name=a-carrier&limit=2', 'plivo'),
    req('GET', ACC + '/IncomingCarrier/@C@/', 'plivo'),
    req('POST', ACC + '/IncomingCarrier/@C@/', 'plivo', {'ip_set': '203.0.113.0/28', 'name': 'renamed'}),
    req('DELETE', ACC + '/IncomingCarrier/@C@/', 'plivo'),
    req('POST', ACC + '/Subaccount/', 'plivo', {'name': 'team', 'enabled': True}),
    req('GET', ACC + '/Subaccount/?limit=1', 'plivo'),
    req('GET', ACC + '/Subaccount/@S@/', 'plivo'),
    req('POST', ACC + '/Subaccount/@S@/', 'plivo', 'name=renamed&enabled=false',
        'application/x-www-form-urlencoded'),
    req('DELETE', ACC + '/Subaccount/@S@/', 'plivo'),
    req('POST', ACC + '/Application/', 'plivo',
        {'app_name': 'ivr', 'answer_url': 'https://example.com/a', 'answer_method': 'GET',
         'hangup_url': 'http://example.com/h', 'default_number_app': True, 'subaccount': '@S@',
         'is_voice_request': 'true', 'log_incoming_messages': False}),
    req('GET', ACC + '/Application/?app_name=a-app', 'plivo'),
    req('GET', ACC + '/Application/@P@/', 'plivo'),
    req('POST', ACC + '/Application/@P@/', 'plivo', {'message_url': 'https://example.com/m', 'message_method': 'POST'}),
    req('DELETE', ACC + '/Application/@P@/', 'plivo'),
    req('GET', SUB + '/Number/', 'sub'),
    req('POST', SUB + '/IncomingCarrier/', 'sub', {'name': 'sub-edge', 'ip_set': '198.51.100.0/24'}),
    req('POST', '/v1/phone-numbers/carriers', 'byoc',
        {'carrier_name': 'Trunk A', 'trunk_type': 'static_ip',
         'sip_gateway': {'ipv4': '192.0.2.10', 'port': 5060, 'netmask': 32, 'inbound': True, 'outbound': True}}),
    req('POST', '/v1/phone-numbers/carriers', 'byoc',
        {'carrier_name': 'Trunk B', 'trunk_type': 'auth',
         'sip_gateway': {'ipv4': '192.0.2.11'},
         'inbound_auth': {'username': 'user1', 'password': 'secret-password-1'}}),
    req('POST', '/v1/phone-numbers/carriers', 'byoc',
        {'carrier_name': 'Trunk C', 'trunk_type': 'reg',
         'sip_gateway': {'ipv4': 'sip.example.com', 'inbound': False, 'outbound': True},
         'registration': {'username': 'u', 'password': 'reg-password-1', 'sip_realm': 'sip.example.com',
                          'from_user': 'f', 'from_domain': 'example.com', 'expires': 600}},
        extra=['Idempotency-Key: fuzz-key-0002']),
    req('GET', '/v1/phone-numbers/carriers?limit=10&offset=0', 'byoc'),
    req('GET', '/v1/phone-numbers/carriers/@U@', 'byoc'),
    req('PATCH', '/v1/phone-numbers/carriers/@U@', 'byoc',
        {'carrier_name': 'Renamed', 'inbound_auth': None, 'sip_gateway': {'port': 5080}}),
    req('DELETE', '/v1/phone-numbers/carriers/@U@', 'byoc'),
    req('POST', '/v1/phone-numbers', 'byoc', {'number': '+14155550192', 'voip_carrier_sid': '@U@', 'label': 'x'}),
    req('POST', '/v1/phone-numbers', 'byoc', {'number': '+4930555199'}),
    req('GET', '/v1/phone-numbers?status=active&source=inventory&limit=2', 'byoc'),
    req('GET', '/v1/phone-numbers/+14155550100', 'byoc'),
    req('DELETE', '/v1/phone-numbers/%2B14155550100', 'byoc'),
    req('POST', '/admin/v1/accounts', 'admin', {'name': 'new customer'}),
    req('GET', '/admin/v1/accounts', 'admin'),
    req('POST', '/admin/v1/accounts/@A@/api-keys', 'admin', {'scopes': ['phone_numbers:read']}),
    req('POST', '/admin/v1/inventory?dry_run=true', 'admin',
        'number,country_iso,type\n14155550150,US,fixed\n"1415555015x",US,fixed\n', 'text/csv'),
    req('GET', '/admin/v1/inventory/stats', 'admin'),
    req('POST', '/admin/v1/compliance', 'admin', {'account': '@A@', 'country_iso': 'GB', 'number_type': 'mobile'}),
    req('POST', '/admin/v1/numbers/447700900106/approve', 'admin', {}),
    req('POST', '/admin/v1/numbers/14155550100/status', 'admin',
        {'tendlc_registration_status': 'COMPLETED', 'tendlc_campaign_id': 'C1'}),
    # transport shapes: chunked body, pipelining, HEAD, an unknown method, a bad header
    ('POST ' + ACC + '/Subaccount/ HTTP/1.1\r\nHost: n\r\nAuthorization: Basic @a@\r\n'
     'Content-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n'
     'a\r\n{"name": "\r\n6\r\nchunk"\r\n1\r\n}\r\n0\r\n\r\n'),
    req('GET', ACC + '/Number/', 'plivo') + req('GET', '/v1/phone-numbers', 'byoc'),
    req('HEAD', ACC + '/Number/', 'plivo'),
    req('OPTIONS', ACC + '/Number/', 'plivo'),
    req('PUT', ACC + '/Number/', 'plivo', {}),
    'GET /v1/Account/@A@/Number/ HTTP/1.0\r\nAuthorization: Basic @a@\r\n\r\n',
    'GET http://numberd/v1/phone-numbers HTTP/1.1\r\nHost: numberd\r\nAuthorization: Bearer @K@\r\n\r\n',
]
write('api', api)

write('router', [b'\x00' + p.encode() for p in [
    '/v1/Account/MA0123456789ABCDEFGH/PhoneNumber/', '/v1/Account/X/Number/14155550100',
    '/v1/phone-numbers/carriers/', '/v1/phone-numbers/+14155550100', '/admin/v1/numbers/1/approve',
    '//v1//Account', '/v1/Account/a/Application/b/c/d/e']] +
    [bytes([m]) + b'/v1/Account/MA1/Subaccount/SA1/' for m in range(1, 8)])

write('query', ['country_iso=US&limit=20', 'a=%41%42&b=&c', 'x=1&x=2', 'k=%ff%fe', 'l=99999999999999999999',
                'a+b=c+d&%00=1', '&&=&=='])

write('form', ['name=a&enabled=true', 'a=%41+b&c=', 'x=1&x=2', '%zz=1', 'k=%e2%82%ac&v=%c3%28',
               '=1', 'a&b&c', 'numbers=14155550100%2C14155550101&carrier=12345678901234'])

# first byte: bits 0-1 method (POST PATCH PUT GET), 2-4 content type, 5 form allowed
write('json', [bytes([b]) + s.encode() for b, s in [
    (0x04, '{"name": "a", "enabled": true, "n": 1, "x": null, "l": [1, 2, {"a": {}}]}'),
    (0x04, '{"a": 1, "a": 2}'),
    (0x04, '[[[[[[[[[[[[[[[[[[1]]]]]]]]]]]]]]]]]'),
    (0x00, '{"s": "\\u0000"}'),
    (0x04, '{"s": "\\ud800"}'),
    (0x04, '{"big": 99999999999999999999}'),
    (0x31, 'a=1&b=2'),
    (0x14, 'a=1'),
    (0x07, '{}'),
    (0x08, '{"x": 1.5e308}'),
]] + [b'\x04{"k": "\xff\xfe"}'])

write('csv', [b'\x05' + s.encode() for s in [
    'number,country_iso,type\n14155550100,US,fixed\n',
    'number,country_iso,type,sub_type,city,region,lata,voice_enabled,monthly_rental_rate,restriction\r\n'
    '447700900106,GB,mobile,mobile,"LONDON, UK",ENGLAND,,1,1.20000,city-address\r\n',
    '\ufeffnumber,country_iso,type\n"1415555""0100",US,fixed\n"multi\nline",US,fixed',
    'a,b\n"unterminated\n',
    'x,y\n1,2"3\n"a"b,c\n\n\n,,\n',
]] + [b'\x01number\n\x00\n'])

write('e164', ['14155550100', '+14155550100', '+447700900106', '4930555107', '1415555010', '11155550100',
               '+', '++1415', '999999999999999', '8613800138000'])

write('net', ['192.0.2.1', '10.0.0.0/8', '2001:db8::1', '::ffff:192.0.2.1', '::', '1:2:3:4:5:6:7:8',
              'fe80::1%eth0', '010.0.0.1', '10.0.0.1/33', '2001:db8::/32', 'sip.example.com',
              '10.0.0.0/8 10.1.2.3', '1.2.3.4, 10.0.0.0/24 , 2001:db8::/48', 'a..b', '1.2.3.4/24'])

b64 = lambda s: base64.b64encode(s.encode()).decode()
write('auth', ['Basic ' + b64('MA0123456789ABCDEFGH:' + 'x' * 40), 'basic  ' + b64('id:'),
               'Basic ' + b64('no-colon'), 'Basic ' + b64('a\0b:c'), 'Basic ###',
               'Bearer nd_live_' + 'A' * 43, 'bearer    tok', 'Bearer ', 'Token abc'])

write('idem', ['fuzz-key-0001', 'short', 'a' * 255, 'a' * 256, 'key with spaces', 'POST\nPhoneNumber\n{}'])

# fuzz_sbc_lpm: 6-byte ops [kind<<1|family, plen, base|flip hi, flip lo, carrier, gw]
# (kind 0/1 add, 2 delete, 3 query): nested IPv4 prefixes then queries; an
# IPv6 fork; adds and deletes interleaved.
def lpm(*ops):
    return bytes(b for op in ops for b in op)
write('sbc_lpm', [
    lpm((0, 8, 0, 255, 1, 0), (0, 16, 1, 255, 2, 0), (0, 32, 1, 255, 3, 1), (6, 0, 1, 255, 1, 0),
        (6, 0, 1, 20, 2, 0), (6, 0, 0, 255, 3, 0)),
    lpm((1, 32, 0, 255, 1, 0), (1, 48, 1, 255, 2, 0), (1, 128, 1, 255, 3, 0), (1, 47, 0, 47, 4, 0),
        (7, 0, 1, 127, 1, 0), (7, 0, 3, 0, 2, 0)),
    lpm((0, 24, 2, 255, 1, 0), (0, 24, 2, 255, 2, 1), (4, 0, 0, 0, 0, 0), (6, 0, 2, 30, 2, 0),
        (4, 0, 0, 0, 1, 0), (6, 0, 2, 31, 1, 0), (0, 0, 3, 0, 5, 0), (6, 0, 3, 5, 5, 3)),
])

# fuzz_sip_msg: what a registrar or gateway answers (sip/sipmsg.c, sip/digest.c)
SIP_HDRS = ('Via: SIP/2.0/UDP 127.0.0.1:5099;branch=z9hG4bKabc;rport=5099\r\n'
            'From: <sip:alice@example.com>;tag=f1\r\nTo: <sip:alice@example.com>;tag=t9\r\n'
            'Call-ID: c1@127.0.0.1\r\nCSeq: 1 REGISTER\r\n')
write('sip_msg', [
    'SIP/2.0 401 Unauthorized\r\n' + SIP_HDRS +
    'WWW-Authenticate: Digest realm="example.com", nonce="n0", qop="auth", algorithm=MD5\r\n'
    'WWW-Authenticate: Digest realm="example.com", nonce="n1",\r\n algorithm=SHA-256, qop="auth,auth-int", opaque="op"\r\n'
    'Content-Length: 0\r\n\r\n',
    'SIP/2.0 407 Proxy Authentication Required\r\n' + SIP_HDRS +
    'Proxy-Authenticate: Digest realm="p", nonce="abc", stale=true\r\n\r\n',
    'SIP/2.0 200 OK\r\n' + SIP_HDRS +
    'Contact: <sip:u@127.0.0.1:5099>;expires=120, "a, b" <sip:x@10.0.0.1;lr>;expires=60\r\nExpires: 300\r\n\r\n',
    'SIP/2.0 423 Interval Too Brief\r\n' + SIP_HDRS + 'Min-Expires: 1800\r\n\r\n',
    'SIP/2.0 503 Service Unavailable\r\n' + SIP_HDRS + 'Retry-After: 120 (x);duration=5\r\n\r\n',
    'OPTIONS sip:u@127.0.0.1 SIP/2.0\r\nv: SIP/2.0/UDP h\r\nf: <sip:a@b>;tag=1\r\nt: <sip:c@d>\r\ni: z\r\nCSeq: 9 OPTIONS\r\nl: 4\r\n\r\nbody',
])

# fuzz_lean: the SBC listener's heads (src/http/lean.c); the target adds
# the final empty line
T = 'Authorization: Bearer sbc-token-0123456789\r\n'
write('lean', [
    'GET /sbc/v1/inbound?src_ip=198.51.100.9&to=%2B14155550100&transport=udp HTTP/1.1\r\nHost: n\r\n' + T,
    'GET /sbc/v1/outbound?account=MA1&to=1+2&from=%00x&flag&&=v HTTP/1.0\r\nConnection: keep-alive\r\n' + T,
    'HEAD http://sbc.example/sbc/v1/inbound?src_ip=::1&to=1 HTTP/1.1\r\nContent-Length: 0\r\n',
    'GET /sbc/v1/inbound HTTP/1.1\r\nTransfer-Encoding: chunked\r\nContent-Length: 5\r\n',
    'GET /%2e%2e/sbc HTTP/1.1\r\nX:  padded value \t\r\nConnection: close\r\n',
])
