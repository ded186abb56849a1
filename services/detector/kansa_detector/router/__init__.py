"""Alert routing (`kansa router run`): alerts topic -> webhook, e-mail and chat, at least once, never twice."""
