"""Fine-tune a causal language model with TRL's `SFTTrainer` on a selfinstruct export.

    selfinstruct export outputs/my-run --format openai-chat --out exports/my-run
    python examples/finetune_trl.py exports/my-run --model Qwen/Qwen2.5-0.5B-Instruct

The export folder may hold the `openai-chat` format (a `messages` column, which SFTTrainer
reads directly) or the `hf` format (Alpaca columns, turned into the same chat messages with
the export's documented rule: `instruction`, or `instruction + "\\n\\n" + input`).

`--tiny` trains a randomly initialised small Llama with a byte-level BPE tokenizer trained on
the data itself: nothing is downloaded, and a CPU finishes in a minute. It checks the
plumbing (formats, chat template, trainer), not the model quality. Needs
`pip install 'selfinstruct[train]'` (torch, transformers, trl, tokenizers).
"""

from __future__ import annotations

import argparse
import math
from collections.abc import Iterable
from pathlib import Path
from typing import Any

#: A minimal chat template for the tiny tokenizer (real chat models bring their own).
CHAT_TEMPLATE = (
    "{% for message in messages %}<|{{ message['role'] }}|>\n{{ message['content'] }}<|end|>\n"
    "{% endfor %}{% if add_generation_prompt %}<|assistant|>\n{% endif %}"
)
SPECIAL_TOKENS = ["<pad>", "<|end|>", "<|system|>", "<|user|>", "<|assistant|>"]


def load_export(folder: str | Path, cache_dir: str | None = None) -> Any:
    """The export's splits as a `DatasetDict` with a `messages` column; Alpaca columns (the
    `hf` format) are folded into chat messages."""
    from datasets import load_dataset

    from selfinstruct.dataset.export import to_openai_chat
    from selfinstruct.schemas import Record

    folder = Path(folder)
    if (folder / "data").is_dir():  # hf: Parquet per split
        splits = load_dataset("parquet", data_dir=str(folder / "data"), cache_dir=cache_dir)
    else:
        files = {
            split: str(folder / f"{split}.jsonl")
            for split in ("train", "validation")
            if (folder / f"{split}.jsonl").exists()
        }
        splits = load_dataset("json", data_files=files, cache_dir=cache_dir)
    if "messages" in splits["train"].column_names:
        return splits

    def to_messages(row: dict[str, str]) -> dict[str, Any]:
        return to_openai_chat(Record(**row))

    return splits.map(to_messages, remove_columns=splits["train"].column_names)


def conversation_texts(rows: Iterable[dict[str, Any]]) -> Iterable[str]:
    for row in rows:
        for message in row["messages"]:
            yield message["content"]


def train_tokenizer(texts: Iterable[str], vocab_size: int = 1000) -> Any:
    """A byte-level BPE tokenizer trained on `texts`, with a chat template."""
    from tokenizers import Tokenizer, decoders, models, pre_tokenizers, trainers
    from transformers import PreTrainedTokenizerFast

    core = Tokenizer(models.BPE())
    core.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False)
    core.decoder = decoders.ByteLevel()
    trainer = trainers.BpeTrainer(
        vocab_size=vocab_size,
        special_tokens=SPECIAL_TOKENS,
        initial_alphabet=pre_tokenizers.ByteLevel.alphabet(),
        show_progress=False,
    )
    core.train_from_iterator(texts, trainer=trainer)
    tokenizer = PreTrainedTokenizerFast(
        tokenizer_object=core, pad_token="<pad>", eos_token="<|end|>", bos_token="<|end|>"
    )
    tokenizer.chat_template = CHAT_TEMPLATE
    return tokenizer


def tiny_model(tokenizer: Any, seed: int = 0) -> Any:
    """A small Llama built from a config (random weights, nothing downloaded)."""
    import torch
    from transformers import LlamaConfig, LlamaForCausalLM

    torch.manual_seed(seed)
    config = LlamaConfig(
        vocab_size=len(tokenizer),
        hidden_size=64,
        intermediate_size=128,
        num_hidden_layers=2,
        num_attention_heads=4,
        num_key_value_heads=4,
        max_position_embeddings=512,
        pad_token_id=tokenizer.pad_token_id,
        eos_token_id=tokenizer.eos_token_id,
        bos_token_id=tokenizer.bos_token_id,
    )
    return LlamaForCausalLM(config)


def make_trainer(model: Any, tokenizer: Any, train: Any, evaluation: Any, **options: Any) -> Any:
    """An `SFTTrainer` with CPU-friendly defaults; `options` override `SFTConfig` fields."""
    import torch
    from trl import SFTConfig, SFTTrainer

    settings: dict[str, Any] = {
        "output_dir": "sft-output",
        "per_device_train_batch_size": 4,
        "learning_rate": 2e-4,
        "num_train_epochs": 1,
        "max_length": 512,
        "logging_steps": 1,
        "save_strategy": "no",
        "eval_strategy": "epoch" if evaluation is not None else "no",
        "report_to": "none",
        "disable_tqdm": True,
        "use_cpu": not torch.cuda.is_available(),  # TRL defaults to bf16, which needs a GPU
    }
    settings.update(options)
    return SFTTrainer(
        model=model,
        args=SFTConfig(**settings),
        train_dataset=train,
        eval_dataset=evaluation,
        processing_class=tokenizer,
    )


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("export", help="a folder written by `selfinstruct export`")
    parser.add_argument("--model", help="a Hugging Face model id or local path")
    parser.add_argument("--tiny", action="store_true", help="random tiny model, offline")
    parser.add_argument("--output-dir", default="sft-output")
    parser.add_argument("--epochs", type=float, default=1.0)
    parser.add_argument("--learning-rate", type=float, help="default 2e-4 (3e-3 with --tiny)")
    parser.add_argument("--batch-size", type=int, default=4)
    parser.add_argument("--max-length", type=int, default=1024)
    args = parser.parse_args(argv)
    if not args.tiny and not args.model:
        parser.error("give --model NAME, or --tiny for an offline smoke run")

    splits = load_export(args.export)
    if args.tiny:
        tokenizer = train_tokenizer(conversation_texts(splits["train"]))
        model = tiny_model(tokenizer)
    else:
        from transformers import AutoModelForCausalLM, AutoTokenizer

        tokenizer = AutoTokenizer.from_pretrained(args.model)
        model = AutoModelForCausalLM.from_pretrained(args.model)
    trainer = make_trainer(
        model,
        tokenizer,
        splits["train"],
        splits.get("validation"),
        output_dir=args.output_dir,
        num_train_epochs=args.epochs,
        learning_rate=args.learning_rate or (3e-3 if args.tiny else 2e-4),
        per_device_train_batch_size=args.batch_size,
        max_length=args.max_length,
    )
    trainer.train()
    if "validation" in splits:
        loss = trainer.evaluate()["eval_loss"]
        print(f"validation loss {loss:.4f} (perplexity {math.exp(min(loss, 50)):.1f})")
    trainer.save_model(args.output_dir)
    tokenizer.save_pretrained(args.output_dir)


if __name__ == "__main__":
    main()
