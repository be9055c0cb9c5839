"""Chinese mojibake families ftfy cannot fix (being built: see the GBK-recovery issue)."""
from __future__ import annotations


def recover_chinese_mojibake(text, kit):
    return []
