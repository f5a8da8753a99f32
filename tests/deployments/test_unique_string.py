"""uniqueString() gives ARM's exact value.

The expected strings are outputs of Azure's own implementation, as published:
- 'test' -> rbgf3xv4ufgzg: printed by a tool that calls Microsoft's Azure.Deployments.Expression
  package (the library ARM and Bicep evaluate templates with); the same value is asserted by the
  arm2tf Terraform provider's tests, and appears in real storage account names deployed from
  uniqueString('test') ("stodnsrbgf3xv4ufgzg0.blob.core.windows.net").
- ('test', 'test2', 'test3') -> bqgd334z2uj64: arm2tf provider tests.
- the others: a shell reimplementation's self-test, "verified against Bicep uniqueString() output".
"""

from __future__ import annotations

import pytest

from aznet.deployments.evaluate import BODY, Ctx, Deployment, evaluate
from aznet.deployments.hashing import unique_string

from .fakes import SCOPE

PUBLISHED = [
    (("test",), "rbgf3xv4ufgzg"),
    (("test", "test2", "test3"), "bqgd334z2uj64"),
    (("hello", "world"), "a7wkljktk6wne"),
    (("abc",), "cgtzqvhu4i23s"),
    (("/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/my-rg",), "bmg7c6xu4tw46"),
    (("foo", "bar", "baz"), "xzi4ioaxtmth4"),
]


@pytest.mark.parametrize(("args", "want"), PUBLISHED)
def test_unique_string_matches_azure(args, want):
    assert unique_string(*args) == want


def test_template_function_gives_the_same_value():
    d = Deployment(SCOPE, {}, {}, template={})
    assert evaluate("[uniqueString('test', 'test2', 'test3')]", Ctx(d, {}, BODY)) == "bqgd334z2uj64"


@pytest.mark.parametrize("n", range(0, 20))
def test_every_tail_length_gives_13_base32_characters(n):
    # 0..19 bytes covers the empty input, every tail length (1..7) and two whole blocks.
    s = unique_string("x" * n)
    assert len(s) == 13 and set(s) <= set("abcdefghijklmnopqrstuvwxyz234567")
    assert s != unique_string("x" * (n + 1))
