"""The end-to-end tests, one package: run pytest from the top of the
repository (`make py-test`), and a module imports another by its full name
(`from tests.support.xmpp import Client`)."""
