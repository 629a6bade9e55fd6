"""The Python that makes Attention Lens's models: one PyTorch definition per Transformer family, and the tools
that train, export and check models with them. Run the tools from tools/ (or with PYTHONPATH=tools):

    python3 -m lens_models.make_test_models <tokenized.json> <out dir>   tiny random models, test/fixtures/models
    python3 -m lens_models.make_decoder_models <tokenized.json> <out dir>   tiny Llama/Qwen3/Gemma 2/3, same folder
    python3 -m lens_models.build_corpus / train / export / reference / card   the embedded models, models/
    python3 -m lens_models.make_bench_models [--out DIR]                  the benchmark's full-size models
    python3 -m lens_models.logit_lens_reference <models dir>              logit-lens goldens beside four fixtures

Family definitions (Hugging Face parameter names and operations, so ONNX exports look like Optimum's):
    bert.py   BertForMaskedLM        gpt2.py   GPT2LMHeadModel
    llama.py  Llama/Qwen3/Gemma2/Gemma3ForCausalLM (one module, switched by model_type, as transformers' code is)
families.py is the table of model types the tools look a config up in; a new family (t5) is a module beside these
plus its row there. llama.py has no row yet: only the test-model maker uses it, with its own table (FIXTURES).
"""
