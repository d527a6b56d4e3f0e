#!/usr/bin/env python3
"""Writes a throwaway CA and certificates into a directory, for tests:

  ca.pem                      the CA certificate (what a client trusts)
  server.pem, server.key      a server certificate for "localhost" and 127.0.0.1
  client.pem, client.key      a client certificate (e.g. for APNs certificate auth)

Usage: make_test_ca.py DIR
"""

import os
import sys

import trustme


def main():
    if len(sys.argv) != 2:
        sys.exit(__doc__)
    directory = sys.argv[1]
    os.makedirs(directory, exist_ok=True)
    ca = trustme.CA()
    ca.cert_pem.write_to_path(os.path.join(directory, "ca.pem"))
    server = ca.issue_cert("localhost", "127.0.0.1")
    server.cert_chain_pems[0].write_to_path(os.path.join(directory, "server.pem"))
    for extra in server.cert_chain_pems[1:]:
        extra.write_to_path(os.path.join(directory, "server.pem"), append=True)
    server.private_key_pem.write_to_path(os.path.join(directory, "server.key"))
    client = ca.issue_cert("nudge-test-client@example.net")
    client.cert_chain_pems[0].write_to_path(os.path.join(directory, "client.pem"))
    client.private_key_pem.write_to_path(os.path.join(directory, "client.key"))


if __name__ == "__main__":
    main()
