"""Roles are read in the permission modules only: everything else asks the policy.

A hand-written role check elsewhere (reading a person's role sets, `get_scope`, `is_superuser`,
filtering people by `roles__role`) fails this test; ruff's banned-API rule (TID251, see
pyproject.toml) refuses the imports as well.
"""

import ast
from pathlib import Path

from django.conf import settings

ROOT = Path(settings.BASE_DIR)
# Where roles may be read: the policies, and the middleware that needs them before any view.
ALLOWED = ("permissions.py", "portal/middleware.py")
SCOPE_ATTRIBUTES = {
    "led_programme_ids",
    "coordinated",
    "coordinated_county_ids",
    "coordinated_programme_ids",
    "led_library_ids",
    "staff_library_ids",
    "member_library_ids",
    "member_county_ids",
    "member_programme_ids",
    "managed_programme_ids",
    "managed_county_ids",
    "led_programme_county_ids",
    "is_manager",
    "leads_programme",
    "manages_owned",
    "is_superuser",
}
NAMES = {"get_scope", "Scope"}


def _source_files():
    for path in sorted(ROOT.rglob("*.py")):
        relative = path.relative_to(ROOT).as_posix()
        if relative.startswith((".venv/", ".tools/", "node_modules/")):
            continue
        if "/migrations/" in relative or "/tests/" in relative or relative.startswith("tests/"):
            continue
        if relative.endswith(ALLOWED) or relative == "conftest.py":
            continue
        yield relative, path


def _role_reads(tree) -> list[str]:
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Attribute) and node.attr in SCOPE_ATTRIBUTES:
            found.append(f"line {node.lineno}: .{node.attr}")
        elif isinstance(node, ast.Name) and node.id in NAMES:
            found.append(f"line {node.lineno}: {node.id}")
        elif isinstance(node, ast.alias) and node.name in NAMES:
            found.append(f"import {node.name}")
        elif isinstance(node, ast.keyword) and node.arg and node.arg.startswith("roles__role"):
            found.append(f"line {node.value.lineno}: {node.arg}=")
    return found


def test_roles_are_read_only_in_the_permission_modules():
    offenders = {}
    for relative, path in _source_files():
        found = _role_reads(ast.parse(path.read_text(), filename=relative))
        if found:
            offenders[relative] = found
    assert not offenders, f"ask portal.permissions instead of reading roles: {offenders}"


def test_the_check_finds_a_hand_written_role_check():
    # Put together, so that a text search for hand-written role checks does not find this test.
    read = "get_" + "scope(user)." + "led_library_ids"
    sample = f"def home(user):\n    return {read} or user.is_superuser\n"
    assert len(_role_reads(ast.parse(sample))) == 3
