#!/usr/bin/env python3
"""Runs ONE call of the official Plivo Python SDK against a base URL.

Usage: python_driver.py BASE AUTH_ID AUTH_TOKEN CALL
  BASE   http://host:port (the capturing proxy of run.js, or numberd itself)
  CALL   a Python expression using `client`, e.g.
         client.numbers.buy(number='14155559186')

The SDK is not part of this repository: PYTHONPATH must point at a checkout
of github.com/plivo/plivo-python (run.js does that).  The SDK has no option
for its base URL: it reads the module globals PLIVO_API_BASE_URI (and, for
applications, API_VOICE_BASE_URI*) of plivo.rest.client at every request,
so we set those, which is the way a user points it at numberd.

Prints one JSON line: {"ok": true, "result": "..."} or
{"ok": false, "error": "<exception class>: <message>"}.
"""
import json
import sys

import plivo
from plivo.rest import client as plivo_client_module


def main():
    base, auth_id, auth_token, call = sys.argv[1:5]
    account = base.rstrip('/') + '/v1/Account'
    for name in ('PLIVO_API_BASE_URI', 'API_VOICE_BASE_URI',
                 'API_VOICE_BASE_URI_FALLBACK_1', 'API_VOICE_BASE_URI_FALLBACK_2'):
        setattr(plivo_client_module, name, account)
    client = plivo.RestClient(auth_id, auth_token)
    try:
        res = eval(call, {'client': client, 'plivo': plivo})  # noqa: S307 - the call is test data
        print(json.dumps({'ok': True, 'result': str(res)[:2000]}))
    except Exception as e:  # the SDK's own exception classes
        print(json.dumps({'ok': False, 'error': '%s: %s' % (type(e).__name__, str(e)[:1000])}))


if __name__ == '__main__':
    main()
