"""What the study's test pass spends on moments nobody reads: `collect_moments(keep_features=True)` against a bare
forward pass that returns every hidden state and mean-pools it (the features alone), on the same texts.

    OMP_NUM_THREADS=1 python benchmarks/bench_test_pass.py --texts 256 --repeats 3

`ntps.study.dataset_features` runs `collect_moments` on the test texts and keeps only the features; the ratio printed
here bounds what a features-only test pass would save. Runs alternate, so a busy machine slows both alike.
"""
import argparse, time
import numpy as np, torch


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--model", default="smollm2-135m")
    ap.add_argument("--task", default="suite:movie_reviews")
    ap.add_argument("--texts", type=int, default=256)
    ap.add_argument("--max_length", type=int, default=48)
    ap.add_argument("--batch_size", type=int, default=16)
    ap.add_argument("--repeats", type=int, default=3)
    a = ap.parse_args()
    from ntps.data import load_dataset
    from ntps.extract import collect_moments
    from ntps.lora import encode, masked_mean, prepare_tokenizer
    from ntps.models import load_model
    model, tok = load_model(a.model); model.eval(); prepare_tokenizer(tok, model)
    ds = load_dataset(a.task, max_train=a.texts, max_test=8, subsample_seed=0)
    texts, y = list(ds.train_texts), np.asarray(ds.train_labels)

    def moments():
        collect_moments(model, tok, texts, y, batch_size=a.batch_size, max_length=a.max_length, exclude_bos=True,
                        keep_features=True, progress=False)

    def features():
        dec = model.get_decoder()
        with torch.inference_mode():
            for i in range(0, len(texts), a.batch_size):
                b = encode(tok, texts[i:i + a.batch_size], a.max_length, "cpu")
                hs = dec(**b, output_hidden_states=True, use_cache=False).hidden_states
                torch.stack([masked_mean(h, b["attention_mask"]) for h in hs], 1)

    times = {"collect_moments (moments + features)": [], "forward + pooling (features only)": []}
    moments(); features() # warm-up
    for _ in range(a.repeats):
        for name, f in zip(times, (moments, features)):
            t0 = time.perf_counter(); f(); times[name].append(time.perf_counter() - t0)
    for name, t in times.items(): print(f"{name}: median {np.median(t):.2f} s over {a.repeats} runs")
    m, f = (np.median(t) for t in times.values())
    print(f"{len(texts)} texts of {a.task} at {a.max_length} tokens on {a.model}: the moments add "
          f"{(m - f) / m:.0%} of the test pass ({m / f:.2f}x the features-only time)")


if __name__ == "__main__":
    torch.set_num_threads(1); main()
