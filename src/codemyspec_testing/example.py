"""The demo's example project, kept as data so no test runner or type checker picks it up.

``shop`` is a small Python project (src layout, pytest on ``src``) whose ``Billing`` context
has three components, each with its unit test already written: Money, Ledger (which uses
Money) and Tax. :func:`example_script` is what the scripted model answers: it writes each
component, and gets Tax wrong first so the demo shows a fix round.
"""

from __future__ import annotations

from codemyspec_testing.scripted_model import Responder, by_prompt, edit, read, write

CONTEXT_NAME = "Billing"
COMPONENT_NAMES = ("Money", "Ledger", "Tax")

_PYPROJECT = """\
[project]
name = "shop"
version = "0.1.0"
requires-python = ">=3.11"

[tool.pytest.ini_options]
pythonpath = ["src"]
testpaths = ["tests"]
"""

_README = """\
# shop

The example project of `codemyspec demo`: its design docs are in `docs/design/shop/`,
its unit tests in `tests/billing/`, and the code of the `Billing` context is what the
agents write.
"""

_GITIGNORE = "__pycache__/\n.pytest_cache/\n"

_CONTEXT_DOC = """\
# Billing

## Purpose
Keeps the shop's money right: amounts in whole cents, a ledger of what was charged,
and the sales tax on an amount.

## Components
### Billing.Money

| field | value |
| ----- | ----- |
| type  | other |
| priority | 3 |

Parses amounts such as "12.34" into whole cents and formats cents back, so sums never round.

### Billing.Ledger

| field | value |
| ----- | ----- |
| type  | other |
| priority | 2 |

Records the amounts charged and tells the balance, using Money for parsing and formatting.

### Billing.Tax

| field | value |
| ----- | ----- |
| type  | other |
| priority | 1 |

Computes the sales tax (20%, rounded down to the cent) on an amount in cents.

## Dependencies
None: the standard library only.

## Test Assertions
- "12.34" is 1234 cents and 1234 cents is "12.34"
- a ledger with 10.00 and 2.50 recorded has a balance of "12.50"
- the tax on 1000 cents is 200 cents
"""

_MONEY_DOC = """\
# Billing.Money

Amounts as whole cents: `cents("12.34") == 1234` and `format_cents(1234) == "12.34"`.

## Dependencies
None.
"""

_LEDGER_DOC = """\
# Billing.Ledger

A `Ledger` records amounts (`record("10.00")`) and tells its `balance()` as text.

## Dependencies
- Billing.Money
"""

_TAX_DOC = """\
# Billing.Tax

`tax(amount_cents)` is 20% of the amount, rounded down to the cent.

## Dependencies
None.
"""

_MONEY = '''\
"""Amounts of money as whole cents, so sums never round."""

from decimal import Decimal


def cents(amount: str) -> int:
    """``"12.34"`` is ``1234`` cents."""
    return int(Decimal(amount) * 100)


def format_cents(value: int) -> str:
    """``1234`` cents is ``"12.34"``."""
    return f"{value // 100}.{value % 100:02d}"
'''

_LEDGER = '''\
"""The amounts charged, and their balance."""

from shop.billing.money import cents, format_cents


class Ledger:
    """Records amounts such as ``"10.00"`` and tells the balance in the same form."""

    def __init__(self) -> None:
        self.entries: list[int] = []

    def record(self, amount: str) -> None:
        self.entries.append(cents(amount))

    def balance(self) -> str:
        return format_cents(sum(self.entries))
'''

_TAX = '''\
"""Sales tax on an amount in cents."""

RATE_PERCENT = 20


def tax(amount_cents: int) -> int:
    """20% of the amount, rounded down to the cent."""
    return amount_cents * RATE_PERCENT // 100
'''

_WRONG_TAX = _TAX.replace("// 100\n", "// 1000\n")

_TEST_MONEY = """\
from shop.billing.money import cents, format_cents


def test_an_amount_is_parsed_into_cents():
    assert cents("12.34") == 1234
    assert cents("7") == 700


def test_cents_are_formatted_with_two_decimals():
    assert format_cents(1234) == "12.34"
    assert format_cents(5) == "0.05"
"""

_TEST_LEDGER = """\
from shop.billing.ledger import Ledger


def test_the_balance_is_the_sum_of_the_recorded_amounts():
    ledger = Ledger()
    ledger.record("10.00")
    ledger.record("2.50")
    assert ledger.balance() == "12.50"


def test_an_empty_ledger_has_a_zero_balance():
    assert Ledger().balance() == "0.00"
"""

_TEST_TAX = """\
from shop.billing.tax import tax


def test_the_tax_is_twenty_percent():
    assert tax(1000) == 200


def test_the_tax_is_rounded_down_to_the_cent():
    assert tax(1999) == 399
"""

#: Implementations the scripted model writes, by component name.
IMPLEMENTATIONS = {"Money": _MONEY, "Ledger": _LEDGER, "Tax": _TAX}

#: Every file of the example project, by path relative to its root.
EXAMPLE_FILES: dict[str, str] = {
    "README.md": _README,
    "pyproject.toml": _PYPROJECT,
    ".gitignore": _GITIGNORE,
    "src/shop/__init__.py": '"""The example shop."""\n',
    "src/shop/billing/__init__.py": '"""Billing: money, the ledger and tax."""\n',
    "docs/design/shop/billing.md": _CONTEXT_DOC,
    "docs/design/shop/billing/money.md": _MONEY_DOC,
    "docs/design/shop/billing/ledger.md": _LEDGER_DOC,
    "docs/design/shop/billing/tax.md": _TAX_DOC,
    "tests/billing/test_money.py": _TEST_MONEY,
    "tests/billing/test_ledger.py": _TEST_LEDGER,
    "tests/billing/test_tax.py": _TEST_TAX,
}


def code_path(name: str) -> str:
    """Where the python profile puts a Billing component's code."""
    return f"src/shop/billing/{name.lower()}.py"


def prompt_key(name: str) -> str:
    """The line of a component's implementation prompt that names its code file."""
    return f"write the implementation in: {code_path(name)}"


def example_script() -> Responder:
    """Each component written in one go, except Tax: wrong first, fixed in the fix round."""
    scripts: dict[str, list[object]] = {
        prompt_key(name): [write(code_path(name), IMPLEMENTATIONS[name]), f"Implemented {name}."]
        for name in ("Money", "Ledger")
    }
    scripts[prompt_key("Tax")] = [
        write(code_path("Tax"), _WRONG_TAX),
        "Implemented Tax.",
        # The fix round continues the same conversation, so its turns come next.
        read(code_path("Tax")),
        edit(code_path("Tax"), "// 1000\n", "// 100\n"),
        "Fixed the tax: it divided by 1000 instead of 100.",
    ]
    return by_prompt(scripts)
