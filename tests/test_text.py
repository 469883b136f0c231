"""Text family: honesty properties of the TRMs and the `neurolab text` commands as a shell user meets them."""
import json

import numpy as np
import pytest
import torch

from neurolab.core import load_checkpoint, save_checkpoint
from neurolab.text.trm import VERSIONS, make_trm, to_model_scale
from neurolab.text.training import evaluate, train_trm, trm_loss

from conftest import EMOBANK, needs_emobank, run


@pytest.fixture(scope="module")
def toy():
    "Random 'embeddings' with a learnable V/A/D signal (in-process tests need no encoder)."
    rng = np.random.default_rng(0)
    X = rng.normal(size=(160, 24)).astype(np.float32)
    Y = np.clip(3 + 0.5 * np.tanh(X[:, :3] + 0.3 * rng.normal(size=(160, 3))), 1, 5).astype(np.float32)
    return X[:120], Y[:120], X[120:], Y[120:]


@pytest.fixture(scope="module")
def trained_v6(toy):
    Xtr, Ytr, Xdv, Ydv = toy
    model, _ = train_trm("v6", Xtr, Ytr, Xdv, Ydv, n_iter=3, d_model=16, hidden=32, encoder="toy",
                         phase1=dict(epochs=2, batch_size=16), phase2=dict(epochs=1, batch_size=16), progress=False)
    return model


def test_labels_never_reach_forward(trained_v6, toy):
    _, _, Xdv, Ydv = toy
    shuffled = Ydv[np.random.default_rng(1).permutation(len(Ydv))]
    a, b = evaluate(trained_v6, Xdv, Ydv), evaluate(trained_v6, Xdv, shuffled)
    assert np.array_equal(a["predictions"]["ensemble"], b["predictions"]["ensemble"])
    assert a["pearson"] != b["pearson"]


def test_soulkernel_read_only_and_batch_independent(trained_v6, toy):
    _, _, Xdv, _ = toy
    x = torch.from_numpy(Xdv)
    soul = trained_v6.soul_kernel
    assert soul.updates > 0 and (soul.memory_count > 0).any()
    before = {k: v.clone() for k, v in soul.state_dict().items()}
    trained_v6.eval()
    with torch.no_grad():
        full = trained_v6(x)["pad"]
        single = torch.cat([trained_v6(x[i:i + 1])["pad"] for i in range(len(x))])
        perm = torch.randperm(len(x))
        permuted = trained_v6(x[perm])["pad"]
        # loss_fn in eval mode (as fit's validation uses it) must not write the memory either
        trm_loss(trained_v6, (x, torch.from_numpy(to_model_scale(toy[3]))))
    assert torch.allclose(single, full, atol=1e-5) and torch.allclose(permuted, full[perm], atol=1e-5)
    assert all(torch.equal(before[k], v) for k, v in soul.state_dict().items())


def test_memory_survives_save_load(trained_v6, tmp_path):
    save_checkpoint(trained_v6, tmp_path / "m")
    back = load_checkpoint(tmp_path / "m")  # by class name, as the CLI loads it
    assert type(back).__name__ == "TRMv6"
    for k, v in trained_v6.soul_kernel.state_dict().items():
        assert torch.equal(back.soul_kernel.state_dict()[k], v), k


def test_memory_persists_into_resumed_training(toy, tmp_path):
    from neurolab.train import Callback
    Xtr, Ytr, Xdv, Ydv = toy
    kw = dict(n_iter=2, d_model=16, hidden=32, encoder="toy", encoder_identity="toy@0", phase2=dict(epochs=0), progress=False, out_dir=tmp_path)
    train_trm("v6", Xtr, Ytr, Xdv, Ydv, phase1=dict(epochs=1, batch_size=16, patience=None), **kw)
    class Probe(Callback):
        def on_fit_start(self, state): self.updates = int(state.model.soul_kernel.updates)
    probe = Probe()
    train_trm("v6", Xtr, Ytr, Xdv, Ydv, phase1=dict(epochs=2, batch_size=16, patience=None), callbacks=[probe], **kw)
    assert probe.updates == len(Xtr) // 16 + (len(Xtr) % 16 > 0)


@pytest.mark.parametrize("version", list(VERSIONS))
def test_predict_on_label_scale(version, toy):
    Xtr, Ytr, _, _ = toy
    m = make_trm(version, in_dim=24, d_model=16, hidden=32, encoder="toy")
    tm = to_model_scale(Ytr)
    m.set_target_stats(tm.mean(0), tm.std(0))
    p = m.predict(Xtr[:5])
    assert p["pad"].shape == (5, 3) and ((p["pad"] > 1) & (p["pad"] < 5)).all()


def test_shipped_model_names_its_study_and_is_small():
    from neurolab.core import assets_dir
    model = load_checkpoint(assets_dir("text"))
    meta = model.checkpoint_meta
    assert meta["encoder"] == "minilm" and meta["results"] == "results/text.json" and isinstance(meta["seed"], int)
    assert sum(f.stat().st_size for f in assets_dir("text").iterdir()) < 50 * 2**20  # float16 weights keep the repository small


def test_predict_with_default_model():
    proc = run("text", "predict", "What a lovely day.", "I am terrified.", "--json")
    assert proc.returncode == 0, proc.stderr
    out = json.loads(proc.stdout)
    assert [set(o) for o in out] == [{"text", "V", "A", "D", "confidence", "truncated"}] * 2
    assert all(1 <= o[d] <= 5 for o in out for d in "VAD") and all(0 <= o["confidence"] <= 1 for o in out)


def test_predict_reads_stdin_and_flags_truncation():
    proc = run("text", "predict", "-", "--json", input="Nice!\n\n" + "very " * 300 + "long\n")
    assert proc.returncode == 0, proc.stderr
    assert [o["truncated"] for o in json.loads(proc.stdout)] == [False, True]


def test_validation_slice_is_seeded_and_disjoint():
    from neurolab.text.training import train_valid_split
    fi, vi = train_valid_split(8062)
    assert len(vi) == 806 and len(np.intersect1d(fi, vi)) == 0 and len(fi) + len(vi) == 8062
    assert np.array_equal(vi, train_valid_split(8062)[1])


@pytest.fixture(scope="module")
def tiny_encoder(tmp_path_factory):
    from neurolab.text.encoders import tiny_hf_encoder
    return str(tiny_hf_encoder(tmp_path_factory.mktemp("enc") / "tiny-bert"))


@pytest.mark.parametrize("head,kw", [("linear", None), ("v6", dict(n_iter=2, d_model=16, hidden=32, slots=8))])
def test_finetune_any_encoder_by_name_round_trips(tiny_encoder, head, kw, tmp_path):
    from neurolab.text.training import finetune
    rng = np.random.default_rng(0)
    texts = [f"sentence number {i} " + "word " * int(rng.integers(1, 20)) for i in range(40)]
    Y = rng.uniform(1.5, 4.5, size=(40, 3)).astype(np.float32)
    model, info = finetune(texts[:32], Y[:32], texts[32:], Y[32:], encoder=tiny_encoder, head=head, head_kwargs=kw,
                           cfg=dict(epochs=1, batch_size=8), out_dir=tmp_path / "run", progress=False)
    assert info["steps"] == 4 and info["train_seconds"] > 0
    save_checkpoint(model, tmp_path / "m")
    back = load_checkpoint(tmp_path / "m")  # by class name, architecture from the config, no download
    a, b = model.predict(texts[32:])["pad"], back.predict(texts[32:])["pad"]
    assert np.abs(a - b).max() <= 1e-5 * max(1.0, np.abs(a).max())


def test_named_encoder_offline_is_one_line(tmp_path):
    proc = run("text", "train", "--finetune", "--version", "linear", "--encoder", "sentence-transformers/all-mpnet-base-v2",
               "--limit", "20", "--out", tmp_path / "o", "--quiet", env={"HF_HUB_OFFLINE": "1"})
    assert proc.returncode == 2 and "run once online" in proc.stderr and proc.stderr.strip().count("\n") == 0, proc.stderr


@needs_emobank
def test_eval_any_split_of_any_file(tmp_path):
    import pandas as pd
    own = tmp_path / "mine.csv"
    pd.read_csv(EMOBANK, keep_default_na=False).query("split == 'dev'").head(20).assign(split="test").to_csv(own, index=False)
    proc = run("text", "eval", "--csv", str(own), "--split", "test", "--quiet", "--json")
    assert proc.returncode == 0, proc.stderr
    assert json.loads(proc.stdout)["n"] == 20


@needs_emobank
def test_eval_json_contract():
    proc = run("text", "eval", "--csv", str(EMOBANK), "--split", "dev", "--limit", "60", "--quiet", "--json")
    assert proc.returncode == 0, proc.stderr
    out = json.loads(proc.stdout)
    assert out["n"] == 60
    for k in ("pearson", "mae", "mse", "r2"): assert set(out[k]) == {"V", "A", "D"}
    for k in ("hope", "faith", "love"): assert isinstance(out[k], float)


@pytest.mark.parametrize("content,message", [
    (b"id,split,V,A,D,text\na,dev,3,9,3,x\n", "outside 1"),
    (b"id,split,V,A,text\na,dev,3,3,x\n", "lacks EmoBank columns"),
    (b"id,split,V,A,D,text\na,dev,3,3,3,caf\xe9\n", "not UTF-8"),
    (b"id,split,V,A,D,text\na,dev,3,3,3,\" \"\n", "empty texts"),
])
def test_eval_bad_csv_is_one_line(tmp_path, capsys, content, message):
    from neurolab.cli import main  # in-process: the same entry point, without paying interpreter start-up per case
    bad = tmp_path / "bad.csv"
    bad.write_bytes(content)
    rc, err = main(["text", "eval", "--csv", str(bad)]), capsys.readouterr().err
    assert rc == 2 and message in err and err.strip().count("\n") == 0, err


def test_predict_empty_text_is_refused():
    proc = run("text", "predict", "ok", "")
    assert proc.returncode == 2 and "text 1 is empty" in proc.stderr


# ---- issue 33: no code path from data -----------------------------------------------------------------------------------
def evil_sentence_folder(root, tiny_encoder) -> tuple:
    "A tiny BERT dressed as a Sentence-Transformers folder whose modules.json names `evil.Pwn`; evil.py writes a marker on import."
    import shutil
    from pathlib import Path
    d, marker = Path(root) / "evil-st", Path(root) / "PWNED"
    shutil.copytree(tiny_encoder, d)
    (d / "evil.py").write_text(f"import pathlib\npathlib.Path({str(marker)!r}).write_text('pwned')\nclass Pwn:\n    pass\n")
    (d / "modules.json").write_text(json.dumps([{"idx": 0, "name": "0", "path": "", "type": "evil.Pwn"}]))
    (d / "1_Pooling").mkdir()
    (d / "1_Pooling" / "config.json").write_text(json.dumps({"word_embedding_dimension": 32, "pooling_mode_mean_tokens": True}))
    return d, marker


def test_sentence_folder_naming_code_is_refused_on_every_path(tiny_encoder, tmp_path):
    from neurolab.core import NeurolabError
    from neurolab.text.encoders import HFEncoder, SentenceEncoder, get_encoder
    from neurolab.text.model import embed_for, load_model
    from neurolab.text.trm import TextRegressor
    evil, marker = evil_sentence_folder(tmp_path, tiny_encoder)
    for load in (lambda: SentenceEncoder(evil), lambda: get_encoder(str(evil)), lambda: HFEncoder(str(evil))):
        with pytest.raises(NeurolabError, match="'evil.Pwn'"): load()
    # checkpoints that name the folder: a TRM on its embeddings, and a fine-tuned encoder (rebuilt from its config)
    save_checkpoint(make_trm("v1", in_dim=32, d_model=8, hidden=8, encoder=str(evil)), tmp_path / "trm")
    with pytest.raises(NeurolabError, match="'evil.Pwn'"): embed_for(load_model(tmp_path / "trm"), ["hi"])
    save_checkpoint(TextRegressor(tiny_encoder, "linear"), tmp_path / "reg")
    cfg = json.loads((tmp_path / "reg" / "config.json").read_text())
    cfg["init"]["encoder"] = str(evil)
    (tmp_path / "reg" / "config.json").write_text(json.dumps(cfg))
    with pytest.raises(NeurolabError, match="'evil.Pwn'"): load_checkpoint(tmp_path / "reg")
    # the shell, run from inside the folder (so `import evil` would even find evil.py on sys.path)
    for model in ("trm", "reg"):
        proc = run("text", "predict", "--model", tmp_path / model, "hi", cwd=evil)
        assert proc.returncode == 2 and "'evil.Pwn'" in proc.stderr and proc.stderr.strip().count("\n") == 0, proc.stderr
    assert not marker.exists()


def test_folder_with_custom_code_or_pickle_weights_is_refused(tiny_encoder, tmp_path):
    import shutil
    from neurolab.core import NeurolabError
    from neurolab.text.encoders import HFEncoder
    d = tmp_path / "m"; shutil.copytree(tiny_encoder, d)
    cfg = json.loads((d / "config.json").read_text())
    (d / "config.json").write_text(json.dumps({**cfg, "auto_map": {"AutoModel": "modeling_evil.Evil"}}))
    with pytest.raises(NeurolabError, match="custom code"): HFEncoder(str(d))
    (d / "config.json").write_text(json.dumps({**cfg, "model_type": "evil"}))
    with pytest.raises(NeurolabError, match="not one Neurolab builds"): HFEncoder(str(d))
    (d / "config.json").write_text(json.dumps(cfg)); (d / "model.safetensors").rename(d / "pytorch_model.bin")
    with pytest.raises(NeurolabError, match="no model.safetensors"): HFEncoder(str(d))


@pytest.fixture
def hub_checkpoints(tiny_encoder, tmp_path):
    "A TRM and a fine-tuned encoder whose checkpoints name the hub id 'some-org/some-model'."
    from neurolab.text.trm import TextRegressor
    save_checkpoint(make_trm("v1", in_dim=32, d_model=8, hidden=8, encoder="some-org/some-model"), tmp_path / "trm")
    save_checkpoint(TextRegressor(tiny_encoder, "linear"), tmp_path / "reg")
    cfg = json.loads((tmp_path / "reg" / "config.json").read_text())
    cfg["init"]["encoder"] = "some-org/some-model"
    (tmp_path / "reg" / "config.json").write_text(json.dumps(cfg))
    return tmp_path / "trm", tmp_path / "reg"


def test_checkpoint_naming_a_hub_id_needs_the_users_word(hub_checkpoints, monkeypatch):
    import time
    from neurolab.core import CheckpointError, NeurolabError
    from neurolab.text.cli import predict_command
    monkeypatch.setenv("HF_ENDPOINT", "http://127.0.0.1:9")  # a hub that never answers (a closed local port), like an offline machine
    monkeypatch.delenv("HF_HUB_OFFLINE", raising=False)
    for ckpt in hub_checkpoints:
        t0 = time.perf_counter()
        with pytest.raises(CheckpointError, match="pass --encoder some-org/some-model"): predict_command(["hi"], model=ckpt)
        if ckpt.name == "reg":  # the core loader too: a fine-tuned encoder's tokenizer would come from the hub
            with pytest.raises(CheckpointError, match="pass --encoder some-org/some-model"): load_checkpoint(ckpt)
        else:  # a TRM loads nothing but its head; its encoder is refused where texts are embedded
            with pytest.raises(NeurolabError, match="pass --encoder some-org/some-model"): load_checkpoint(ckpt).predict(["hi"])
        with pytest.raises(CheckpointError, match="names another"): predict_command(["hi"], model=ckpt, encoder="gpt2")
        with pytest.raises(NeurolabError, match="did not answer within"): predict_command(["hi"], model=ckpt, encoder="some-org/some-model")
        assert time.perf_counter() - t0 < 2 * 4  # four loads, each well under 2 s


def test_checkpoint_naming_a_hub_id_is_one_line_offline(hub_checkpoints):
    trm, _ = hub_checkpoints
    proc = run("text", "predict", "--model", trm, "hi")
    assert proc.returncode == 2 and "pass --encoder some-org/some-model" in proc.stderr and proc.stderr.strip().count("\n") == 0, proc.stderr
    proc = run("text", "predict", "--model", trm, "--encoder", "some-org/some-model", "hi", env={"HF_ENDPOINT": "http://127.0.0.1:9"})
    assert proc.returncode == 2 and "run once online" in proc.stderr and proc.stderr.strip().count("\n") == 0, proc.stderr


def test_minilm_read_as_data_equals_sentence_transformers():
    "The data-only MiniLM computes what SentenceTransformer computes from the same (packaged, trusted) folder, under the same identity."
    st = pytest.importorskip("sentence_transformers")
    import subprocess, sys
    from neurolab.core import assert_close
    from neurolab.text.encoders import SentenceEncoder, fingerprint, minilm_path
    texts = ["I am so happy today!", "  This is the worst day of my life. ", "Café déjà vu — naïve résumé", "数字 and emoji 🎉",
             "word " * 300, "a"]
    ref = st.SentenceTransformer(str(minilm_path()), device="cpu", local_files_only=True)
    ref.max_seq_length = 128
    ours = SentenceEncoder()
    assert_close(ours.encode(texts), ref.encode(texts, convert_to_numpy=True), rel=1e-4, what="MiniLM embeddings")
    assert ours.identity == f"all-MiniLM-L6-v2@{fingerprint(ref)}"  # embedding caches and TRM checkpoints stay valid
    code = "import sys; from neurolab.text.encoders import get_encoder; get_encoder('minilm').encode(['hi']); print('sentence_transformers' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env={**__import__("os").environ, "OMP_NUM_THREADS": "1"})
    assert out.stdout.strip() == "False", out.stderr[-2000:]


# ---- issue 30: the plain fine-tune ------------------------------------------------------------------------------------------
def _toy_texts(n=40, seed=0):
    rng = np.random.default_rng(seed)
    texts = [f"sentence number {i} " + "word " * int(rng.integers(1, 20)) for i in range(n)]
    return texts, rng.uniform(1.5, 4.5, size=(n, 3)).astype(np.float32)


def test_plain_finetune_resumes_its_one_cycle_after_ctrl_c(tiny_encoder, tmp_path):
    "Ctrl-C in epoch 2, then the same call: the same history and weights as an uninterrupted run (the schedule keeps its place)."
    from neurolab.core import Interrupted, assert_close
    from neurolab.text.training import finetune_plain
    from neurolab.train import Callback
    texts, Y = _toy_texts()
    kw = dict(encoder=tiny_encoder, recipe=dict(epochs=2, batch_size=8), progress=False)
    whole, info = finetune_plain(texts[:32], Y[:32], texts[32:], Y[32:], out_dir=tmp_path / "whole", **kw)

    class CtrlC(Callback):
        def on_step_end(self, state):
            if state.epoch == 1 and state.step == 6: raise KeyboardInterrupt
    with pytest.raises(Interrupted, match="interrupted after epoch 1"):
        finetune_plain(texts[:32], Y[:32], texts[32:], Y[32:], out_dir=tmp_path / "cut", callbacks=[CtrlC()], **kw)
    cut, again = finetune_plain(texts[:32], Y[:32], texts[32:], Y[32:], out_dir=tmp_path / "cut", **kw)
    assert [h["lr"] for h in again["history"]] == [h["lr"] for h in info["history"]]
    for a, b in zip(again["history"], info["history"]):
        assert_close(a["train_loss"], b["train_loss"], rel=1e-4, what="train loss after resume")
    a, b = cut.predict(texts[32:])["pad"], whole.predict(texts[32:])["pad"]
    assert_close(a, b, rel=1e-4, what="predictions after resume")


def test_plain_study_split_ignores_test_rows():
    "A full EmoBank release (with its test split) gives the same fit / validation / dev texts as the mirror; test is never read."
    import pandas as pd
    from neurolab.text.study import study_texts
    rows = [dict(id=f"{s}{i}", split=s, V=3.0, A=3.0, D=3.0, text=f"{s} sentence {i}") for s, n in (("train", 30), ("dev", 10), ("test", 10))
            for i in range(n)]
    full = pd.DataFrame(rows)
    T, Y = study_texts(df=full)
    T2, _ = study_texts(df=full[full["split"] != "test"])
    assert T == T2 and [len(T[k]) for k in ("fit", "valid", "dev")] == [27, 3, 10]
    assert not any(t.startswith("test") for k in T for t in T[k])


def test_plain_recipe_knobs_are_checked_in_one_line():
    from neurolab.core import NeurolabError
    from neurolab.text.training import PLAIN, plain_recipe
    assert plain_recipe() == PLAIN and (PLAIN["max_length"], PLAIN["warmup"], PLAIN["encoder_lr"]) == (64, 0.1, 5e-5)
    for bad, msg in ((dict(targets="minmax"), "targets must be one of ['z', 'raw']"), (dict(train_on="dev"), "train_on must be one of"),
                     (dict(epochs=1.5), "epochs must be an integer"), (dict(encoder_lr=0), "encoder_lr must lie in (0, 1)"),
                     (dict(grad_clip=-1), "grad_clip must be > 0")):
        with pytest.raises(NeurolabError) as e: plain_recipe(bad)
        assert msg in str(e.value) and "\n" not in str(e.value)


def test_text_predict_imports_no_training_code():
    "`neurolab text predict` stays a light start-up: no study, training, transformers or scikit-learn module is imported."
    import subprocess, sys
    code = ("import sys; from neurolab.cli import main; main(['text', 'predict', 'What a lovely day.', '--json']); "
            "print(sorted(m for m in ('neurolab.text.training', 'neurolab.text.study', 'transformers', 'sklearn') if m in sys.modules), file=sys.stderr)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env={**__import__("os").environ, "OMP_NUM_THREADS": "1"})
    assert out.returncode == 0 and out.stderr.strip().splitlines()[-1] == "[]", out.stderr[-2000:]
