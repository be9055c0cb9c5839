"""Recovery of chunk-misaligned GBK runs (being built: see the GBK-recovery issue)."""
from __future__ import annotations


def recover_misaligned_gbk(text, kit):
    return []
