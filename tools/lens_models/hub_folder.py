"""Writing a model folder in the Hugging Face Hub's ONNX layout: config.json, tokenizer files, onnx/model.onnx."""
import json
import os
import shutil
from typing import Any

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
TOKENIZERS = os.path.join(REPO, "test", "fixtures", "tokenizers")
TOKENIZER_FILES = ["tokenizer.json", "tokenizer_config.json", "special_tokens_map.json"]


def write_json(path: str, value: dict[str, Any]) -> None:
    """Pretty at the top level; each reference case on one line, which keeps the files a third the size."""
    with open(path, "w", encoding="utf-8") as f:
        if "cases" not in value:
            json.dump(value, f, indent=2, ensure_ascii=False)
        else:
            head = {k: v for k, v in value.items() if k != "cases"}
            text = json.dumps(head, indent=2, ensure_ascii=False)
            cases = ",\n".join("    " + json.dumps(c, ensure_ascii=False, separators=(",", ":")) for c in value["cases"])
            f.write(text[:-2] + ',\n  "cases": [\n' + cases + "\n  ]\n}")
        f.write("\n")


def write_hub_folder(folder: str, config: dict[str, Any], tokenizer_dir: str, max_length: int | None = None,
                     files: list[str] | None = None) -> str:
    """Creates folder/onnx and writes config.json and the tokenizer files of tokenizer_dir (`files`, default the
    three a Hub model has; test/fixtures/tokenizers holds the project's). With max_length, tokenizer_config.json's model_max_length
    says the model's context instead of the real tokenizer's 512 / 1024."""
    os.makedirs(os.path.join(folder, "onnx"), exist_ok=True)
    write_json(os.path.join(folder, "config.json"), config)
    for name in files or TOKENIZER_FILES:
        if name == "tokenizer_config.json" and max_length is not None:
            with open(os.path.join(tokenizer_dir, name), encoding="utf-8") as f:
                write_json(os.path.join(folder, name), {**json.load(f), "model_max_length": max_length})
        else:
            shutil.copyfile(os.path.join(tokenizer_dir, name), os.path.join(folder, name))
    return folder
