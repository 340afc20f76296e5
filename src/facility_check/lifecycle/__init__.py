"""The inspection loop: changes since an earlier check, rectification notices, filing readiness.

Library services shared by the CLI and the web workbench. Nothing here prints or exits: input
problems are raised as :class:`facility_check.pipeline.InputError`, results are returned as
plain frozen models with ``to_dict(lang)``.
"""
