"""Who a caller is: the deployment's signing keys, tokens, OpenID Connect, passwords.

Building blocks of CONTRACT.md "Identity"; the messaging layer verifies a request's
`Authorization: Bearer …` header with `verifier.Verifier`.
"""
