"""Downstream proof: an export trains with TRL's SFTTrainer (the `train` extra).

A tiny Llama built from a config (random weights) and a BPE tokenizer trained on the data
itself: nothing is downloaded, CPU only. On a repeated batch the loss must be finite and fall.
"""

from __future__ import annotations

import importlib.util
import math
import os
from pathlib import Path
from types import ModuleType

import pytest
from sample_data import ALPACA_SAMPLE

from selfinstruct.dataset.export import export

pytest.importorskip("torch")
pytest.importorskip("transformers")
pytest.importorskip("trl")
pytest.importorskip("tokenizers")

EXAMPLE = Path(__file__).resolve().parent.parent / "examples" / "finetune_trl.py"


def load_example() -> ModuleType:
    spec = importlib.util.spec_from_file_location("finetune_trl", EXAMPLE)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture(autouse=True)
def offline(monkeypatch: pytest.MonkeyPatch) -> None:
    """Any attempt to reach a hub fails the test instead of downloading."""
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    monkeypatch.setenv("HF_DATASETS_OFFLINE", "1")
    monkeypatch.setenv("TRANSFORMERS_OFFLINE", "1")
    monkeypatch.setenv("WANDB_DISABLED", "true")


@pytest.mark.parametrize("fmt", ["openai-chat", "hf"])
def test_sft_trainer_loss_is_finite_and_falls(fmt: str, tmp_path: Path) -> None:
    import torch
    from datasets import concatenate_datasets

    torch.set_num_threads(min(2, os.cpu_count() or 1))
    example = load_example()
    out = tmp_path / "export"
    system = "Be helpful." if fmt == "openai-chat" else None
    export(ALPACA_SAMPLE, fmt, out, validation_fraction=0.1, seed=0, system=system)
    splits = example.load_export(out, cache_dir=str(tmp_path / "cache"))
    assert {"train", "validation"} <= set(splits)
    assert splits["train"][0]["messages"][-1]["role"] == "assistant"

    tokenizer = example.train_tokenizer(example.conversation_texts(splits["train"]), 600)
    rendered = tokenizer.apply_chat_template(splits["train"][0]["messages"], tokenize=False)
    assert "<|assistant|>" in rendered

    batch = splits["train"].select(range(4))
    repeated = concatenate_datasets([batch] * 8)  # 32 rows: 8 steps over the same 4 examples
    model = example.tiny_model(tokenizer)
    trainer = example.make_trainer(
        model,
        tokenizer,
        repeated,
        None,
        output_dir=str(tmp_path / "sft"),
        max_steps=8,
        learning_rate=3e-3,
        per_device_train_batch_size=4,
        max_length=256,
        seed=0,
    )
    trainer.train()
    losses = [entry["loss"] for entry in trainer.state.log_history if "loss" in entry]
    assert len(losses) == 8
    assert all(math.isfinite(loss) for loss in losses)
    assert sum(losses[-2:]) / 2 < losses[0] * 0.9, losses
