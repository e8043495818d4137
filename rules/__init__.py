"""The built-in rule packs (YAML), shipped in the wheel as ``servicecheck.rules``; this file makes the
folder a regular package, which Python can also import from a zipped wheel (``--py-files``)."""
