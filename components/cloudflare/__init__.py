"""The edge half: the Cloudflare Tunnel, its ingress rules and DNS records of a site.

`tunnel.py`, `ingress.py`, `dns.py` and `edge.py` hold Pulumi components on
`pulumi_cloudflare` (v6), imported by module where they are used: importing that
package costs seconds, so this package imports nothing on its own, and `ssh_config.py`
stays a pure function that imports no Pulumi.
"""
