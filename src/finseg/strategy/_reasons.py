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

if TYPE_CHECKING:
    from finseg.strategy._policy import StrategyPolicy

__all__ = ["BUILT_IN", "SEPARATOR", "Reasons", "explain", "reason_labels", "split_reasons"]

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


#: Labels of the reason codes the stage itself emits (not rules of the policy).
BUILT_IN: dict[str, tuple[str, str]] = {
    "cap:requested": ("额度上限：申请金额", "Limit cap: the requested amount"),
    "cap:capacity": ("额度上限：还款能力测算", "Limit cap: repayment capacity"),
    "cap:collateral": ("额度上限：押品价值 × 抵质押率", "Limit cap: collateral value × LTV"),
    "cap:regulatory": ("额度上限：监管单一客户限额", "Limit cap: regulatory single-customer cap"),
    "cap:product": ("额度上限：产品单户上限", "Limit cap: the product's maximum"),
    "cap:baseline": ("额度上限：不高于基准情景额度", "Limit cap: not above the baseline limit"),
    "collateral:none": ("担保要求：信用", "Security required: none"),
    "collateral:guarantee": ("担保要求：保证", "Security required: a guarantee"),
    "collateral:secured": ("担保要求：抵质押", "Security required: a pledge or mortgage"),
    "collateral_short": ("客户担保不满足要求", "The customer's security falls short"),
    "review:baseline": ("审批层级：不低于基准情景", "Review level: at least the baseline's"),
    "decision:baseline": ("决策：不宽于基准情景", "Decision: no more lenient than baseline"),
    "decline:no_grade": ("拒绝：无风险等级", "Decline: no risk grade"),
    "decline:below_min_grade": ("拒绝：情景等级低于最低要求",
                                "Decline: scenario grade below the minimum"),
    "decline:no_product": ("拒绝：无可准入产品", "Decline: no eligible product"),
    "decline:limit_below_minimum": ("拒绝：额度低于产品最低金额",
                                    "Decline: limit below the product minimum"),
    "refer:review_level": ("转人工：审批层级达到贷审会",
                           "Refer: the review level reaches the committee"),
    "refer:collateral_short": ("转人工：需补充担保", "Refer: security to be arranged"),
}  # fmt: skip


def reason_labels(cfg: StrategyPolicy) -> dict[str, tuple[str, str]]:
    """``(zh, en)`` of every reason code a policy can emit, keyed as in ``decision_reasons``.

    >>> from finseg.strategy import StrategyPolicy
    >>> labels = reason_labels(StrategyPolicy())
    >>> labels["product:ip_pledge"][1], labels["decline:no_product"][0]
    ('Recommended product: IP pledge loan', '拒绝：无可准入产品')
    """
    kinds = {
        "product": ("推荐产品", "Recommended product", cfg.products),
        "programme": ("政策计划", "Policy programme", cfg.programmes),
        "review": ("审批层级规则", "Review rule", cfg.review),
        "covenant": ("约束条款", "Covenant", cfg.covenants),
        "decline": ("拒绝", "Decline", cfg.decline),
        "refer": ("转人工", "Refer", cfg.refer),
    }
    labels = dict(BUILT_IN)
    for kind, (zh, en, items) in kinds.items():
        for item in items:
            labels[f"{kind}:{item.id}"] = (f"{zh}：{item.zh}", f"{en}: {item.en}")
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
