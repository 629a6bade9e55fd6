"""The Python that makes Attention Lens's models: one PyTorch definition per Transformer family, and the tools
that train, export and check models with them. Run the tools from tools/ (or with PYTHONPATH=tools):

    python3 -m lens_models.make_test_models <tokenized.json> <out dir>   tiny random models, test/fixtures/models
    python3 -m lens_models.build_corpus / train / export / reference / card   the embedded models, models/
    python3 -m lens_models.make_bench_models [--out DIR]                  the benchmark's full-size models

Family definitions (Hugging Face parameter names and operations, so ONNX exports look like Optimum's):
    bert.py   BertForMaskedLM        gpt2.py   GPT2LMHeadModel
families.py is the table of model types the tools look a config up in; a new family (llama, t5) is a module
beside these two plus its row there.
"""
