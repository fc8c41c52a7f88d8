"""Decision reasons: which rules fired for each customer, kept as boolean columns in firing
order and turned into text once per distinct pattern (a few hundred patterns for a million
customers), never once per customer.

>>> import numpy as np
>>> r = Reasons(3)
>>> r.add("product", np.array(["a", "b"], dtype=object), np.array([0, 1, -1]))
>>> r.mark("decline:no_product", np.array([False, False, True]))
>>> list(r.text())
['product:a', 'product:b', 'decline:no_product']
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from finseg.strategy._levels import CollateralLevel

if TYPE_CHECKING:
    from finseg.strategy._policy import StrategyPolicy

__all__ = [
    "BUILT_IN",
    "KINDS",
    "SEPARATOR",
    "Reasons",
    "code_names",
    "explain",
    "reason_labels",
    "split_reasons",
]

#: Between two reason codes in ``decision_reasons``.
SEPARATOR = " | "


def patterns(bits: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The distinct rows of a boolean matrix: the index of each one's first row, and every
    row's pattern number.  Rows are packed into 64-bit words and hashed (``pd.factorize``),
    one word at a time, which is much faster than sorting byte strings.

    >>> first, code = patterns(np.array([[1, 0], [0, 1], [1, 0]], dtype=bool))
    >>> first.tolist(), code.tolist()
    ([0, 1], [0, 1, 0])
    """
    n = len(bits)
    packed = np.packbits(bits, axis=1) if bits.shape[1] else np.zeros((n, 1), np.uint8)
    pad = (-packed.shape[1]) % 8
    words = np.ascontiguousarray(np.pad(packed, ((0, 0), (0, pad)))).view(np.uint64)
    code = np.zeros(n, dtype=np.int64)
    for j in range(words.shape[1]):
        column, _ = pd.factorize(words[:, j])
        code, _ = pd.factorize(code * (int(column.max(initial=0)) + 1) + column)
    count = int(code.max(initial=-1)) + 1
    first = np.full(count, n, dtype=np.int64)
    np.minimum.at(first, code, np.arange(n))
    return first, code


class Reasons:
    """Fired reason codes of ``n`` customers, in the order they were recorded."""

    def __init__(self, n: int) -> None:
        self.n = n
        self.codes: list[str] = []
        self.columns: list[np.ndarray] = []

    def mark(self, code: str, fired: np.ndarray) -> None:
        """Record ``code`` for the customers where ``fired`` is true."""
        self.codes.append(code)
        self.columns.append(np.asarray(fired, dtype=bool))

    def add(self, prefix: str, ids: np.ndarray, index: np.ndarray) -> None:
        """Record ``prefix:ids[index]`` per customer (``index`` −1: nothing)."""
        for j, id_ in enumerate(ids):
            self.mark(f"{prefix}:{id_}", index == j)

    def flags(self, prefix: str, ids: list[str], hits: np.ndarray) -> None:
        """Record ``prefix:id`` for every set column of ``hits`` (one column per id)."""
        for j, id_ in enumerate(ids):
            self.mark(f"{prefix}:{id_}", hits[:, j])

    def _strings(self, keep: list[int], strip: int, sep: str) -> pd.Categorical:
        if self.n == 0 or not keep:
            return pd.Categorical([""] * self.n)
        matrix = np.column_stack([self.columns[i] for i in keep])
        first, inverse = patterns(matrix)
        codes = np.array([self.codes[i][strip:] for i in keep], dtype=object)
        texts = pd.Categorical([sep.join(codes[matrix[i]]) for i in first])
        return pd.Categorical.from_codes(texts.codes[inverse], texts.categories)

    def text(self) -> pd.Categorical:
        """Every fired code per customer, joined by :data:`SEPARATOR`."""
        return self._strings(list(range(len(self.codes))), 0, SEPARATOR)

    def joined(self, prefix: str, sep: str = ",") -> pd.Categorical:
        """The fired codes starting with ``prefix``, the prefix removed, joined by ``sep``."""
        keep = [i for i, c in enumerate(self.codes) if c.startswith(prefix)]
        return self._strings(keep, len(prefix), sep)


def split_reasons(text: str | None) -> list[str]:
    """The codes of one ``decision_reasons`` value.

    >>> split_reasons("product:a | cap:requested")
    ['product:a', 'cap:requested']
    >>> split_reasons(None)
    []
    """
    if text is None or text != text or not text:
        return []
    return text.split(SEPARATOR)


#: The opening of a reason sentence, by the code's prefix.
KINDS: dict[str, tuple[str, str]] = {
    "product": ("推荐产品", "Recommended product"),
    "programme": ("政策计划", "Policy programme"),
    "cap": ("额度上限", "Limit cap"),
    "collateral": ("担保要求", "Security required"),
    "review": ("审批层级规则", "Review rule"),
    "covenant": ("约束条款", "Covenant"),
    "decline": ("拒绝", "Decline"),
    "refer": ("转人工", "Refer"),
    "decision": ("决策", "Decision"),
}

#: Names of the codes the stage itself emits (not rules of the policy); the one place they
#: are named, for ``finseg explain`` and the report alike.
BUILT_IN: dict[str, tuple[str, str]] = {
    "cap:requested": ("申请金额", "Requested amount"),
    "cap:capacity": ("还款能力测算", "Repayment capacity"),
    "cap:collateral": ("押品价值 × 抵质押率", "Collateral value × LTV"),
    "cap:regulatory": ("单一客户监管限额", "Regulatory single-customer cap"),
    "cap:product": ("产品单户上限", "Product maximum"),
    "cap:baseline": ("不高于基准情景额度", "Baseline limit (tightening scenario)"),
    **{f"collateral:{lv.value}": (lv.label("zh"), lv.label("en")) for lv in CollateralLevel},
    "collateral_short": ("客户担保不满足要求", "The customer's security falls short"),
    "review:baseline": ("不低于基准情景的审批层级", "At least the baseline's review level"),
    "decision:baseline": ("基准情景下的决策更严格",
                          "Stricter decision under the baseline scenario"),
    "decline:no_grade": ("无风险等级", "No risk grade"),
    "decline:below_min_grade": ("情景等级低于可接受的最差等级",
                                "Scenario grade below the worst acceptable grade"),
    "decline:no_product": ("无可准入产品", "No eligible product"),
    "decline:limit_below_minimum": ("额度低于产品最低授信金额",
                                    "Limit below the product's minimum amount"),
    "refer:review_level": ("审批层级达到转人工标准", "Review level high enough to refer"),
    "refer:collateral_short": ("未提供所需担保", "Required security not held"),
}  # fmt: skip


def code_names(cfg: StrategyPolicy) -> dict[str, tuple[str, str]]:
    """``(zh, en)`` names of every code a policy's decisions use, keyed as in
    ``decision_reasons`` (plus ``scenario:<id>``): the policy's own for its products,
    programmes and rules, :data:`BUILT_IN` for the stage's.

    >>> from finseg.strategy import StrategyPolicy
    >>> names = code_names(StrategyPolicy())
    >>> names["product:ip_pledge"], names["scenario:baseline"][1], names["cap:product"][1]
    (('知识产权质押贷款', 'IP pledge loan'), 'Baseline', 'Product maximum')
    """
    groups = (("product", cfg.products), ("programme", cfg.programmes),
              ("review", cfg.review), ("decline", cfg.decline), ("refer", cfg.refer),
              ("covenant", cfg.covenants))  # fmt: skip
    names = dict(BUILT_IN)
    names.update({f"{kind}:{item.id}": (item.zh, item.en) for kind, items in groups
                  for item in items})  # fmt: skip
    return names | {f"scenario:{k}": (s.zh, s.en) for k, s in cfg.scenarios.items()}


def reason_labels(cfg: StrategyPolicy) -> dict[str, tuple[str, str]]:
    """``(zh, en)`` of every reason code a policy can emit as a sentence: the code's
    :data:`KINDS` opening and its :func:`code_names` name.

    >>> from finseg.strategy import StrategyPolicy
    >>> labels = reason_labels(StrategyPolicy())
    >>> labels["product:ip_pledge"][1], labels["decline:no_product"][0]
    ('Recommended product: IP pledge loan', '拒绝：无可准入产品')
    """
    labels = {}
    for code, (zh, en) in code_names(cfg).items():
        kind = KINDS.get(code.split(":", 1)[0]) if ":" in code else None
        if code.startswith("scenario:"):
            continue
        labels[code] = (f"{kind[0]}：{zh}", f"{kind[1]}: {en}") if kind else (zh, en)
    for rule in cfg.review:
        zh, en = labels[f"review:{rule.id}"]
        labels[f"review:{rule.id}"] = (
            f"{zh}（{rule.level.label('zh')}）",
            f"{en} ({rule.level.label('en')})",
        )
    return labels


def explain(text: str | None, cfg: StrategyPolicy, lang: str = "en") -> list[str]:
    """The reasons of one ``decision_reasons`` value as sentences in ``lang``; an unknown code
    (a rule since removed from the policy) is shown as it is.

    >>> from finseg.strategy import StrategyPolicy
    >>> explain("product:working_capital | decline:no_grade", StrategyPolicy(), "zh")
    ['推荐产品：流动资金贷款', '拒绝：无风险等级']
    """
    labels = reason_labels(cfg)
    side = 0 if lang == "zh" else 1
    return [labels[c][side] if c in labels else c for c in split_reasons(text)]
