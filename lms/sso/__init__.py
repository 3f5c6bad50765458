"""Single sign-on through an organization's OpenID Connect identity provider: blueprint "sso" (/sso) in
`views.py`, settings rules in `settings.py`, the sign-in rules in `signin.py`, the protocol in `oidc.py`."""
