"""Writes the trainer-log fixtures the way each writer writes them (see README.md for the upstream file and tag of each).

Run with plain Python 3 (no numpy/pandas/torch needed): python3 make_fixtures.py
"""
import dataclasses
import json
import math
import numbers
import pprint


class np_float64(float):
    """A float that prints like numpy 2's np.float64 (pprint.pformat uses repr); numbers.Number like numpy's scalars."""

    def __repr__(self):
        return f"np.float64({float.__repr__(self)})"


def verl_steps():
    # Names as verl's PPO trainer logs them (verl/trainer/ppo/metric_utils.py, ray_trainer.py at v0.7.0).
    for step in (1, 2, 3):
        data = {
            "actor/entropy": np_float64(0.61 - 0.01 * step),
            "actor/pg_loss": np_float64(-0.005 * step),
            "actor/pg_clipfrac": 0.0,
            "actor/ppo_kl": 1e-05 * step,
            "actor/grad_norm": np_float64(1.9 + step / 10),
            "actor/lr": 1e-06,
            "critic/score/mean": 0.25 * step,
            "critic/score/max": 1.0,
            "critic/score/min": 0.0,
            "critic/rewards/mean": 0.25 * step,
            "critic/advantages/mean": -0.0,
            "response_length/mean": 239.133 - step,
            "response_length/clip_ratio": 0.0,
            "prompt_length/mean": 104.883,
            "timing_s/gen": 21.47 + step,
            "timing_s/step": 60.125 + step,
            "perf/throughput": 1234.5,
            "training/global_step": step,
            "training/epoch": 0,
        }
        if step == 2:
            data["val-core/openai/gsm8k/reward/mean@1"] = 0.375
            data["critic/vf_explained_var"] = float("nan")
        yield step, data


def write_verl_file_logger(path):
    # FileLogger.log: one json.dumps({"step": step, "data": data}) per line.
    with open(path, "w") as fp:
        for step, data in verl_steps():
            fp.write(json.dumps({"step": step, "data": data}) + "\n")


def console_line(data, step):
    # LocalLogger.log prints "step:N" then "key:pformat(value)" for numbers.Number values, joined by " - ".
    parts = [f"step:{step}"] + [f"{k}:{pprint.pformat(v)}" for k, v in data.items() if isinstance(v, numbers.Number)]
    return " - ".join(parts)


def write_verl_console(path):
    with open(path, "w") as fp:
        fp.write("2025-06-01 10:00:00,123\tINFO worker.py:1888 -- Started a local Ray instance.\n")
        fp.write("(TaskRunner pid=2184) Using dataset class: RLHFDataset\n")
        fp.write("(TaskRunner pid=2184) Size of train dataloader: 29, Size of val dataloader: 1\n")
        for step, data in verl_steps():
            data = dict(data, **{"training/done": step == 3})
            if step == 1:
                # A progress bar drawn on the same line before the print, as tqdm does with \r.
                fp.write("Training Progress:   0%|          | 0/3 [00:00<?, ?it/s]\r")
            fp.write(f"(TaskRunner pid=2184) {console_line(data, step)}\n")
        fp.write("(TaskRunner pid=2184) Final validation metrics: {'val-core/openai/gsm8k/reward/mean@1': 0.5}\n")


@dataclasses.dataclass
class TrainerState:
    # The fields of a recent transformers TrainerState, as a real trainer_state.json has them
    # (aigoncharov/trainer_state_viz@2e3c1d4f trainer_state.json: best_global_step, eval_steps, ...).
    epoch: float = None
    global_step: int = 0
    max_steps: int = 0
    logging_steps: int = 500
    eval_steps: int = 500
    save_steps: int = 500
    train_batch_size: int = None
    num_train_epochs: int = 0
    num_input_tokens_seen: int = 0
    total_flos: float = 0
    log_history: list = None
    best_metric: float = None
    best_global_step: int = None
    best_model_checkpoint: str = None
    is_local_process_zero: bool = True
    is_world_process_zero: bool = True
    is_hyper_param_search: bool = False
    trial_name: str = None
    trial_params: dict = None
    stateful_callbacks: dict = None


def save_to_json(state, path):
    # TrainerState.save_to_json: json.dumps(asdict, indent=2, sort_keys=True) and a newline.
    with open(path, "w", encoding="utf-8") as f:
        f.write(json.dumps(dataclasses.asdict(state), indent=2, sort_keys=True) + "\n")


CALLBACKS = {
    "TrainerControl": {
        "args": {"should_epoch_stop": False, "should_evaluate": False, "should_log": False, "should_save": True, "should_training_stop": True},
        "attributes": {},
    }
}


def write_sft_state(path):
    history = []
    for step in (10, 20, 30, 40):
        history.append({"epoch": step / 40, "grad_norm": 5.5 / step * 10, "learning_rate": 2e-05 * (1 - step / 40) + 1e-07,
                        "loss": 1.1074 / (step / 10), "step": step})
        if step % 20 == 0:
            history.append({"epoch": step / 40, "eval_loss": 1.2 - step / 100, "eval_runtime": 5.7095,
                            "eval_samples_per_second": 70.234, "eval_steps_per_second": 17.69, "step": step})
    history.append({"epoch": 1.0, "step": 40, "total_flos": 1.2345678e15, "train_loss": 0.5, "train_runtime": 123.4,
                    "train_samples_per_second": 10.37, "train_steps_per_second": 0.324})
    save_to_json(TrainerState(epoch=1.0, global_step=40, max_steps=40, logging_steps=10, eval_steps=20, train_batch_size=8,
                              num_train_epochs=1, total_flos=1.2345678e15, log_history=history,
                              stateful_callbacks=CALLBACKS), path)


def write_trl_state(path):
    # DPO (trl v1.9.0 dpo_trainer.py) and GRPO (grpo_trainer.py) metric names; evaluation entries get "eval_".
    history = []
    for step in (1, 2):
        history.append({"epoch": step / 4, "grad_norm": 12.5, "learning_rate": 5e-07, "logits/chosen": -1.25,
                        "logits/rejected": -1.5, "logps/chosen": -250.5, "logps/rejected": -260.25, "loss": 0.6931,
                        "rewards/accuracies": 0.5 + step / 10, "rewards/chosen": 0.01 * step, "rewards/margins": 0.02 * step,
                        "rewards/rejected": -0.01 * step, "step": step})
    history.append({"epoch": 0.5, "eval_logps/chosen": -251.0, "eval_loss": 0.69, "eval_rewards/accuracies": 0.6,
                    "eval_rewards/chosen": 0.03, "eval_runtime": 3.2, "eval_samples_per_second": 31.25,
                    "eval_steps_per_second": 3.9, "step": 2})
    for step in (3, 4):
        history.append({"clip_ratio/region_mean": 0.0, "completions/clipped_ratio": 0.125, "completions/max_length": 512.0,
                        "completions/mean_length": 300.5 + step, "epoch": step / 4, "grad_norm": 0.5, "kl": 0.001 * step,
                        "learning_rate": 1e-06, "loss": 0.0, "reward": 0.5 + step / 10, "reward_std": 0.25,
                        "rewards/accuracy_reward/mean": 0.5, "rewards/accuracy_reward/std": 0.5,
                        "rewards/format_reward/mean": None, "step": step})
    save_to_json(TrainerState(epoch=1.0, global_step=4, max_steps=4, logging_steps=1, eval_steps=2, train_batch_size=2,
                              num_train_epochs=1, log_history=history, stateful_callbacks=CALLBACKS), path)


def write_wandb_history(path):
    # run.history() as a pandas DataFrame written with to_csv(): the index first under an empty header, NaN as empty.
    columns = ["_runtime", "_step", "_timestamp", "eval/loss", "train/global_step", "train/learning_rate", "train/loss", "val/generations"]
    rows = [
        [12.5, 0, 1748772000.123, "", 10, 2e-05, 1.25, ""],
        [24.75, 1, 1748772012.5, "", 20, 1.8e-05, 0.875, ""],
        [30.0, 2, 1748772018.0, 0.9, 20, "", "", "{'_type': 'table-file', 'path': 'media/table/val/generations_2.table.json'}"],
    ]
    with open(path, "w") as fp:
        fp.write("," + ",".join(columns) + "\n")
        for index, row in enumerate(rows):
            cells = [str(index)] + ['"' + c.replace('"', '""') + '"' if isinstance(c, str) and "," in c else repr(c) if not isinstance(c, str) else c for c in row]
            fp.write(",".join(cells) + "\n")


write_verl_file_logger("verl-file-logger.jsonl")
write_verl_console("verl-console.log")
write_sft_state("trainer_state.json")
write_trl_state("trl-dpo-grpo-trainer_state.json")
write_wandb_history("wandb-history.csv")
