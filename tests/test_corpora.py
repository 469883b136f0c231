"""Dimensional corpora from the outside: each supported layout synthesised on disk (tiny sine/noise WAVs),
malformed ratings failing with one line, scale mapping, and grouped splits that never leak a group."""
import json, shutil

import h5py
import numpy as np
import pandas as pd
import pytest

from neurolab.core import DataError, DataNotFoundError, NeurolabError, assert_close
from neurolab.data import load_audio
from neurolab.corpora import (DimensionalCorpus, MelSegments, fetch_emo_soundscapes, group_split, load_corpus, load_emo_soundscapes,
                              load_pmemo, load_rated_folder, match_mix_sources, mix_sources, read_mel_hdf5, write_demo_corpus)


@pytest.fixture(scope="module")
def demo(tmp_path_factory):
    root = tmp_path_factory.mktemp("corpora")
    return {layout: write_demo_corpus(root / layout, layout, n=24, seconds=0.25)
            for layout in ["folder", "emo-soundscapes", "pmemo", "hdf5"]}


@pytest.fixture
def folder(demo, tmp_path):
    "A private copy of the rated-folder corpus that a test may break."
    return shutil.copytree(demo["folder"], tmp_path / "rated")


def message(f) -> str:
    with pytest.raises(NeurolabError) as e: f()
    text = str(e.value)
    assert "\n" not in text, f"not one line: {text!r}"
    return text


def no_leak(groups, rows):
    g = np.asarray(groups)
    sides = {k: set(g[v]) for k, v in rows.items()}
    assert not sides["train"] & sides["valid"] and not sides["train"] & sides["test"] and not sides["valid"] & sides["test"]
    assert sorted(np.concatenate(list(rows.values()))) == list(range(len(g)))


# --- generic folder + ratings CSV ---------------------------------------------------------------------------

def test_folder_maps_the_declared_scale_to_pm1(demo):
    c = load_rated_folder(demo["folder"], scale="sam9")
    raw = pd.read_csv(demo["folder"] / "ratings.csv")
    assert isinstance(c, DimensionalCorpus) and len(c) == 24 and c.grouped
    np.testing.assert_allclose(c.clips["valence"], (raw["valence"] - 5) / 4, atol=1e-12)
    np.testing.assert_allclose(c.clips["arousal_sd"], raw["arousal_sd"] / 4, atol=1e-12)  # sds scale, never shift
    assert c.targets.shape == (24, 2) and c.targets.dtype == np.float32 and np.abs(c.targets).max() <= 1
    assert c.describe()["rating_scale"] == [1.0, 9.0]


def test_same_ratings_on_another_scale_map_to_the_same_targets(folder):
    r = pd.read_csv(folder / "ratings.csv")
    ref = load_rated_folder(folder, scale=(1, 9)).targets
    r.assign(valence=(r["valence"] - 1) / 8 * 100, arousal=(r["arousal"] - 1) / 8 * 100).to_csv(folder / "ratings.csv", index=False)
    assert_close(load_rated_folder(folder, scale=(0, 100)).targets, ref)


def test_clips_decode_through_the_one_audio_loader(demo):
    c = load_rated_folder(demo["folder"], scale="sam9")
    assert load_audio(c.paths[0], sr=16000).shape == (4000,)


def test_rated_clips_without_audio_are_named(folder):
    r = pd.read_csv(folder / "ratings.csv")
    r.loc[[3, 7], "clip"] = ["lost_a.wav", "lost_b"]
    r.to_csv(folder / "ratings.csv", index=False)
    m = message(lambda: load_rated_folder(folder, scale="sam9"))
    assert "2 rated clips have no audio" in m and "lost_a, lost_b" in m


def test_out_of_scale_ratings_are_counted_with_first_ids(folder):
    r = pd.read_csv(folder / "ratings.csv")
    r.loc[[0, 5, 9, 11], "arousal"] = [0, 9.5, 12, -3]
    r.to_csv(folder / "ratings.csv", index=False)
    m = message(lambda: load_rated_folder(folder, scale="sam9"))
    assert "4 arousal ratings outside the declared scale 1…9" in m and "clip000=0" in m and "…" in m


def test_duplicate_ids_are_an_error_even_with_different_suffixes(folder):
    r = pd.read_csv(folder / "ratings.csv")
    r.loc[4, "clip"] = "clip001"  # clip001.wav is rated in row 1
    r.to_csv(folder / "ratings.csv", index=False)
    assert "1 duplicate clip ids (clip001)" in message(lambda: load_rated_folder(folder, scale="sam9"))


def test_non_numeric_and_missing_columns(folder):
    r = pd.read_csv(folder / "ratings.csv", dtype=str)
    r.loc[2, "valence"] = "high"
    r.to_csv(folder / "ratings.csv", index=False)
    assert "column valence has 1 non-numeric values (clip002='high')" in message(lambda: load_rated_folder(folder, scale="sam9"))
    r.drop(columns=["valence"]).to_csv(folder / "ratings.csv", index=False)
    assert "lacks columns ['valence']" in message(lambda: load_rated_folder(folder, scale="sam9"))


def test_scale_must_be_declared_and_sane(folder):
    assert "declare the rating scale" in message(lambda: load_rated_folder(folder))
    assert "low < high" in message(lambda: load_rated_folder(folder, scale=(9, 1)))
    (folder / "corpus.json").write_text(json.dumps({"name": "mine", "scale": "sam9"}))
    assert load_rated_folder(folder).name == "mine"


def test_unrated_audio_is_counted_not_an_error(folder):
    r = pd.read_csv(folder / "ratings.csv")
    r.iloc[:20].to_csv(folder / "ratings.csv", index=False)
    c = load_rated_folder(folder, scale="sam9")
    assert len(c) == 20 and c.unrated == ["clip020", "clip021", "clip022", "clip023"]
    assert c.split()[1]["unrated_audio_files"] == 4


# --- splits ---------------------------------------------------------------------------------------------------

@pytest.mark.parametrize("seed", range(8))
def test_grouped_split_never_leaks_a_group(demo, seed):
    c = load_rated_folder(demo["folder"], scale="sam9")
    rows, policy = c.split(valid=0.2, test=0.2, seed=seed)
    no_leak(c.clips["group"], rows)
    assert policy["split"]["kind"] == "grouped" and policy["split"]["seed"] == seed
    json.dumps(policy)  # results files can store it as is
    assert "/" not in json.dumps(policy)  # and it holds no paths


def test_ungrouped_corpus_gets_a_seeded_random_split(folder):
    pd.read_csv(folder / "ratings.csv").drop(columns="group").to_csv(folder / "ratings.csv", index=False)
    c = load_rated_folder(folder, scale="sam9")
    (a, pa), (b, _), (d, _) = c.split(seed=1), c.split(seed=1), c.split(seed=2)
    assert pa["split"]["kind"] == "random" and not c.grouped
    assert all(np.array_equal(a[k], b[k]) for k in a) and not all(np.array_equal(a[k], d[k]) for k in a)


def test_split_fractions_and_too_few_groups():
    assert "valid + test < 1" in message(lambda: group_split(np.arange(10), valid=0.5, test=0.5))
    assert "independent group" in message(lambda: group_split(["g"] * 10))
    rows, _ = group_split(np.repeat(np.arange(30), 2), valid=0, test=0.3)
    assert len(rows["valid"]) == 0 and len(rows["test"]) > 0


# --- Emo-Soundscapes ------------------------------------------------------------------------------------------

def test_emo_layout_is_recognised_with_originals_grouped_by_recording(demo):
    c = load_emo_soundscapes(demo["emo-soundscapes"])
    assert len(c) == 24 and (c.clips["kind"] == "original").all()
    assert c.clips["group"].nunique() == 12  # two excerpts per Freesound id share a group
    assert c.scale == (-1.0, 1.0) and c.notes["rated_mixes_in_release"] == 5 and c.unrated == []
    for seed in range(5): no_leak(c.clips["group"], c.split(0.2, 0.2, seed)[0])


def test_emo_ratings_tolerate_a_header_row_and_crlf(demo, tmp_path):
    root = shutil.copytree(demo["emo-soundscapes"], tmp_path / "emo")
    ratings = root / "Emo-Soundscapes" / "Emo-Soundscapes-Ratings"
    for f in ["Valence.csv", "Arousal.csv"]:
        body = (ratings / f).read_text().replace("\r", "\n").strip().replace("\n", "\r\n")
        (ratings / f).write_text("FileName,Rating\r\n" + body + "\r\n")
    ref = load_emo_soundscapes(demo["emo-soundscapes"]).clips
    got = load_emo_soundscapes(root).clips
    assert got["clip"].tolist() == ref["clip"].tolist()
    np.testing.assert_allclose(got[["valence", "arousal"]], ref[["valence", "arousal"]], atol=1e-12)


def test_emo_malformed_ratings(demo, tmp_path):
    root = shutil.copytree(demo["emo-soundscapes"], tmp_path / "emo")
    v = root / "Emo-Soundscapes" / "Emo-Soundscapes-Ratings" / "Valence.csv"
    good = v.read_bytes().decode()
    first, rest = good.split("\r", 1)
    v.write_text(first.split(",")[0] + ",7.5\r" + rest)  # the release's scale is −1…1
    m = message(lambda: load_emo_soundscapes(root))
    assert "1 valence ratings outside the declared scale -1…1" in m and first.split(",")[0][:-4] in m
    v.write_bytes((good + good.split("\r")[0] + "\r").encode())
    assert "duplicate clip ids" in message(lambda: load_emo_soundscapes(root))
    v.write_bytes(("\r".join(good.split("\r")[1:])).encode())
    assert "rated in only one of Valence.csv / Arousal.csv" in message(lambda: load_emo_soundscapes(root))


def test_emo_mixes_train_only_and_grouped_by_shared_source(demo):
    c = load_emo_soundscapes(demo["emo-soundscapes"], mixes="train")
    mixes = np.flatnonzero(c.clips["kind"] == "mix")
    assert len(mixes) == 5 and "residual risk" in c.group_rule
    g = c.clips.set_index("clip")["group"]
    assert g["mix_between_human_indicator_1-12_1-6"] == g["mix_between_human_indicator_1-6_1-12"]
    assert g["mix_between_natural_society_2-6_1-6"] == g["mix_between_quiet_natural_human_1-6_2-12_2-6"]
    for seed in range(5):
        rows, policy = c.split(0.2, 0.2, seed)
        assert set(mixes) <= set(rows["train"]) and policy["split"]["train_only_clips"] == 5
        no_leak(c.clips["group"], rows)


def test_emo_category_rule_is_conservative_and_says_when_it_is_too_coarse(demo):
    c = load_emo_soundscapes(demo["emo-soundscapes"], mixes="category")
    g = c.clips.set_index("clip")["group"]
    humans = c.clips.loc[c.clips["category"] == "human", "clip"]
    assert g[humans].nunique() == 1 and g["mix_between_human_indicator_1-12_1-6"] == g[humans.iloc[0]]
    # in this demo every category is named by some mix and they chain together: one group, no honest split
    assert "too coarse" in message(lambda: c.split(0.2, 0.2, 0))


def test_emo_sources_map(demo):
    base = load_emo_soundscapes(demo["emo-soundscapes"]).clips
    def original(source):  # 'human#2' → the second human original's file name (any fixed choice will do)
        cat, i = source.split("#")
        return base.loc[base["category"] == cat, "clip"].iloc[int(i) - 1] + ".wav"
    srcmap = {s: original(s) for s in ["human#1", "human#2", "indicator#1", "natural#2", "society#1", "mechanical#1", "mechanical#3", "quiet#1"]}
    c = load_emo_soundscapes(demo["emo-soundscapes"], mixes="sources", sources=srcmap)
    g = c.clips.set_index("clip")["group"]
    assert g["mix_within_mechanical_1-6_3-12"] == g[srcmap["mechanical#1"][:-4]] == g[srcmap["mechanical#3"][:-4]]
    del srcmap["quiet#1"]
    assert "quiet#1" in message(lambda: load_emo_soundscapes(demo["emo-soundscapes"], mixes="sources", sources=srcmap))


def test_mix_sources_found_from_audio_give_a_leak_free_split_with_mixes(demo):
    found, report = match_mix_sources(demo["emo-soundscapes"])
    assert report["matched"].all() and len(found) == 8
    c = load_emo_soundscapes(demo["emo-soundscapes"], mixes="sources", sources=found)
    assert (c.clips["kind"] == "mix").sum() == 5 and not c.clips["train_only"].any()
    g = c.clips.set_index("clip")["group"]
    for mix in c.clips.loc[c.clips["kind"] == "mix", "clip"]:  # every mix sits in the group of each original it contains
        assert all(g[mix] == g[found[s]] for s in mix_sources(mix))
    for seed in range(5): no_leak(c.clips["group"], c.split(0.2, 0.2, seed)[0])
    assert "not identified unambiguously" in message(lambda: match_mix_sources(demo["emo-soundscapes"], min_similarity=0.99))


def test_mix_names():
    assert mix_sources("mix_between_human_indicator_1-12_1-6") == ["human#1", "indicator#1"]
    assert mix_sources("MIX_WITHIN_natural_2-6_4-12_1-6") == ["natural#2", "natural#4", "natural#1"]
    assert mix_sources("mix_between_human_3-6") is None and mix_sources("birds_at_dawn") is None


def test_emo_zip_put_in_place_is_unpacked_and_found(demo, tmp_path):
    import zipfile
    (tmp_path / "emo-soundscapes").mkdir()
    with zipfile.ZipFile(tmp_path / "emo-soundscapes" / "Emo-Soundscapes.zip", "w") as z:
        for p in demo["emo-soundscapes"].rglob("*"):
            if p.is_file(): z.write(p, p.relative_to(demo["emo-soundscapes"]))
        z.writestr("__MACOSX/Emo-Soundscapes/._Valence.csv", "resource fork")
    top = fetch_emo_soundscapes(tmp_path, download=False)
    assert top == tmp_path / "emo-soundscapes" / "Emo-Soundscapes" and len(load_emo_soundscapes(top)) == 24
    assert not (tmp_path / "emo-soundscapes" / "__MACOSX").exists()
    (tmp_path / "again" / "emo-soundscapes").mkdir(parents=True)
    (tmp_path / "again" / "emo-soundscapes" / "Emo-Soundscapes.zip").write_text("<html>quota exceeded</html>")
    assert "not a valid zip file" in message(lambda: fetch_emo_soundscapes(tmp_path / "again", download=False))


def test_emo_offline_fetch_is_one_line(tmp_path):
    m = message(lambda: fetch_emo_soundscapes(tmp_path, download=False))
    assert "put it at" in m and str(tmp_path / "emo-soundscapes" / "Emo-Soundscapes.zip") in m


# --- PMEmo, HDF5, load_corpus -----------------------------------------------------------------------------------

def test_pmemo_static_annotations(demo):
    c = load_pmemo(demo["pmemo"])
    raw = pd.read_csv(demo["pmemo"] / "annotations" / "static_annotations.csv")
    np.testing.assert_allclose(c.clips["arousal"], raw["Arousal(mean)"] * 2 - 1, atol=1e-12)
    assert c.clips["group"].nunique() == 5 and "valence_sd" in c.clips
    no_leak(c.clips["group"], c.split(0.2, 0.2, 0)[0])


def test_hdf5_segments(demo):
    s = read_mel_hdf5(demo["hdf5"])
    assert isinstance(s, MelSegments) and s.mels.shape[0] == 24 and s.mels.shape[2] == 64 and s.mels.dtype == np.float32
    assert len(s.as_list()) == 24 and s.as_list()[0].shape == s.mels.shape[1:] and s.targets.shape == (24, 2)
    rows, policy = s.split(0.2, 0.2, 0)
    no_leak(s.groups, rows)
    assert policy["layout"] == "ntm" and policy["split"]["kind"] == "grouped"


def test_hdf5_transposed_layout_and_errors(demo, tmp_path):
    s = read_mel_hdf5(demo["hdf5"])
    def h5(**data):
        p = tmp_path / f"f{len(list(tmp_path.iterdir()))}.h5"
        with h5py.File(p, "w") as h:
            for k, v in data.items(): h[k] = v
        return p
    t = read_mel_hdf5(h5(mels=s.mels.transpose(0, 2, 1), targets=s.targets))
    assert t.info["layout"] == "nmt" and np.array_equal(t.mels, s.mels)
    assert "has 23 values for 24 segments" in message(lambda: read_mel_hdf5(h5(mel=s.mels, valence=s.targets[:-1, 0], arousal=s.targets[:, 1])))
    assert "no log-mel dataset" in message(lambda: read_mel_hdf5(h5(spec=s.mels, targets=s.targets)))
    assert "pass layout=" in message(lambda: read_mel_hdf5(h5(mel=np.zeros((3, 64, 64), np.float32), targets=np.zeros((3, 2)))))
    assert "outside the declared scale" in message(lambda: read_mel_hdf5(h5(mel=s.mels, targets=s.targets + 1.5)))
    assert "ids has 2 entries for 24 segments" in message(lambda: read_mel_hdf5(h5(mel=s.mels, targets=s.targets, ids=np.array([b"a", b"b"]))))
    assert isinstance(message(lambda: read_mel_hdf5(tmp_path / "none.h5")), str)


def test_load_corpus_recognises_every_layout(demo):
    assert load_corpus(demo["emo-soundscapes"]).name == "emo-soundscapes"
    assert load_corpus(demo["pmemo"]).name == "pmemo"
    assert load_corpus(demo["folder"], scale="sam9").name == "folder"
    assert isinstance(load_corpus(demo["hdf5"]), MelSegments)
    assert "declares its own rating scale" in message(lambda: load_corpus(demo["emo-soundscapes"], scale="sam9"))
    with pytest.raises(DataNotFoundError): load_corpus(demo["folder"] / "nothing")


def test_logmel_cache_is_per_corpus_and_per_content(demo, tmp_path, monkeypatch):
    # two corpora whose files share stems (clip000.wav) never read each other's cached log-mels
    from neurolab.audio.training import cached_logmels
    monkeypatch.setenv("NEUROLAB_CACHE", str(tmp_path / "cache"))
    a = write_demo_corpus(tmp_path / "a", "folder", n=6, seconds=0.25, seed=1)
    b = write_demo_corpus(tmp_path / "b", "folder", n=6, seconds=0.25, seed=2)
    pa, pb = a / "audio" / "clip000.wav", b / "audio" / "clip000.wav"
    ma = cached_logmels([pa], corpus="one")[0]
    mb = cached_logmels([pb], corpus="one")[0]            # same corpus name, same stem, other content
    assert not np.allclose(ma, mb)
    assert_close(cached_logmels([pa], corpus="two")[0], ma)
    assert len(list((tmp_path / "cache" / "audio").glob("logmel_*.npz"))) == 2
    shutil.copy(pb, pa)                                    # replaced in place: recomputed, not the stale entry
    assert_close(cached_logmels([pa], corpus="one")[0], mb)


def test_every_layout_trains_through_the_audio_family(demo, tmp_path, monkeypatch):
    from neurolab.audio.training import CORPUS_RECIPE, as_corpus, prepare_corpus, train_recipe
    monkeypatch.setenv("NEUROLAB_CACHE", str(tmp_path / "cache"))
    # the shared demo's 0.25 s clips are shorter than Cnn6's 16 frames: one line before any training
    assert "shorter than the model's 16 log-mel frames" in message(lambda: prepare_corpus(as_corpus(demo["hdf5"])))
    for layout, kw in [("folder", {"scale": "sam9"}), ("emo-soundscapes", {}), ("pmemo", {}), ("hdf5", {})]:
        c = as_corpus(write_demo_corpus(tmp_path / layout, layout, n=24, seconds=0.4), **kw)
        rows, policy = c.split(valid=0.2, test=0.2, seed=0)
        d = prepare_corpus(c)
        assert len(d["mels"]) == len(d["y"]) == len(c) and d["mels"][0].shape[1] == 64
        no_leak(d["actors"], rows)
        if layout == "folder":
            model, info, _ = train_recipe(d, rows, dict(CORPUS_RECIPE, epochs1=1, epochs2=1, batch_size=4, crop_frames=16))
            assert info["recipe"]["n_classes"] == 0 and model.init_kwargs["speaker_norm"] is False


def test_audio_cli_train_and_eval_on_a_corpus(demo, tmp_path, monkeypatch, capsys):
    from neurolab.cli import main
    monkeypatch.setenv("NEUROLAB_CACHE", str(tmp_path / "cache"))
    folder = write_demo_corpus(tmp_path / "rated", "folder", n=24, seconds=0.4)
    (folder / "corpus.json").write_text(json.dumps({"scale": "sam9"}))
    assert main(["audio", "train", "--corpus", str(folder), "--out", str(tmp_path / "run"), "--epochs1", "1", "--epochs2", "1",
                 "--batch-size", "4", "--crop-frames", "16", "--json"]) == 0
    trained = json.loads(capsys.readouterr().out)
    assert trained["corpus_split"]["split"]["kind"] == "grouped"
    assert main(["audio", "eval", "--corpus", str(folder), "--model", str(tmp_path / "run" / "model"), "--n-boot", "20", "--json"]) == 0
    ev = json.loads(capsys.readouterr().out)
    assert ev["n"] == trained["n"]["test"] and ev["clips_from"].startswith("test side")
    assert main(["audio", "eval", "--corpus", str(tmp_path / "nothing"), "--model", str(tmp_path / "run" / "model")]) == 2
    assert "not found" in capsys.readouterr().err
