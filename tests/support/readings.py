"""A read for tests of the shared client that care about its transport, not about shapes."""

from connections.platforms.answers import Anything, Reading

ANY_JSON = Reading("the test answer", Anything())
