"""The ``switchover`` command line. Each command group is one thin module: parse, call the
library, render. Nothing else lives here."""
