#!/usr/bin/env bash
# GPU-only checks in one prepared run (what the 2-core CPU machine cannot show):
#   1. AMP training through tools/train_net.py on CUDA: the teacher in float16 (gradient scaler),
#      CFAT's student in bfloat16 from it, FastReID's Cython evaluator on GPU features;
#   2. the robustness benchmark (tools/eval_robustness.py) on the GPU, all 20 types, 4 settings;
#   3. ViT-B step throughput, plugin ViT / CFAT against FastReID's own ViT Baseline, fp32/bf16/fp16;
#   4. NCCL: DistributedDataParallel through the plugin's launch (needs 2 GPUs; on one GPU the
#      probe reports what NCCL answers);
#   5. CFAT's fine stage at ViT-B size: (c') staged CFAT, (c'-O) its fine stage in the released form
#      and (d') coarse only, one training seed, short budget (benchmarks/cfat_ablation.py, profile
#      vit_b_gpu: ViT-B from random initialisation on SynthReID at 256x128). Not yet run on a GPU;
#   6. training corruptions on the GPU: the ViT-B CFAT step with its views corrupted in the step by
#      the torch backend against ready views (target >= 0.95x), and the operators that take CFAT's
#      and the Baseline's step time (where CFAT's cost beyond the teacher's forward goes). Not yet run.
# Usage (a GPU machine with torch; missing packages installed from ./.whl if it is there):
#   OUT=/tmp/gpu bash benchmarks/gpu_checks.sh
# A rehearsal of steps 1-2 on a CPU (the tiny data set, one epoch, no ViT-B, no NCCL):
#   PY=.venv/bin/python DEVICE=cpu HALF=bfloat16 PRESET=tiny EPOCHS=1 VIT=0 bash benchmarks/gpu_checks.sh
# Each step has its own time limit and a failure does not stop the others; the log and the
# robustness report land in $OUT, the runs themselves in $WORK.
set -u
OUT=${OUT:-output/gpu_checks}
WORK=${WORK:-/tmp/gpu_checks}
mkdir -p "$OUT" "$WORK"
LOG="$OUT/gpu_checks.log"
export PYTHONUNBUFFERED=1
cd "$(dirname "$0")/.."

step() {  # step NAME SECONDS COMMAND...: run with a limit, log its output and how it ended
    local name=$1 limit=$2
    shift 2
    echo "=== $name (limit ${limit}s): $*" | tee -a "$LOG"
    local start=$SECONDS part="$WORK/step.log"
    timeout "$limit" "$@" >"$part" 2>&1
    local rc=$?
    cat "$part" >>"$LOG"
    echo "=== $name: exit $rc after $((SECONDS - start)) s" | tee -a "$LOG"
    grep -v "UserWarning\|warnings.warn\|^ *$" "$part" | tail -n 12 | cut -c1-400 | sed 's/^/    /'
}

PY=${PY:-python3}
if ! $PY -c "import fastreid" 2>/dev/null && [ -d .whl ]; then  # a bare GPU image: carried wheels
    $PY -m pip install -q --no-index --no-deps --no-compile --no-cache-dir --upgrade --target /tmp/site .whl/*.whl \
        && export PYTHONPATH=/tmp/site:$PWD || exit 1
fi
export PYTHONPATH=${PYTHONPATH:-$PWD}
export CFAT_CORRUPTION_CACHE=$WORK/corruption-cache

step environment 30 $PY -c "import sys, torch; print(sys.version.split()[0], torch.__version__, torch.cuda.is_available() and torch.cuda.get_device_name(0))"
step cython-evaluator 60 $PY cfat_plugin/compat/cython_eval.py

TEACHER=$WORK/r18_teacher
DEVICE=${DEVICE:-cuda}
EPOCHS=${EPOCHS:-3}
HALF=${HALF:-float16}  # the teacher's autocast dtype (bfloat16 on a CPU rehearsal)
PRESET=${PRESET:-demo}  # the SynthReID preset (DATASETS.SYNTHREID.PRESET.MARKET; tiny on a CPU rehearsal)
COMMON="DATASETS.ROOT $WORK/datasets DATASETS.SYNTHREID.PRESET.MARKET $PRESET MODEL.DEVICE $DEVICE DATALOADER.NUM_WORKERS 12 TEST.IMS_PER_BATCH 256"
step teacher-fp16 130 $PY tools/train_net.py --config-file projects/CFAT/synthreid_r18_teacher.yml \
    $COMMON OUTPUT_DIR "$TEACHER" SOLVER.MAX_EPOCH $EPOCHS SOLVER.CHECKPOINT_PERIOD $EPOCHS TEST.EVAL_PERIOD $EPOCHS \
    SOLVER.AMP.ENABLED True SOLVER.AMP.DTYPE $HALF TEST.AMP.ENABLED True TEST.AMP.DTYPE $HALF
step cfat-bf16 100 $PY tools/train_net.py --config-file projects/CFAT/synthreid_r18.yml \
    $COMMON OUTPUT_DIR "$WORK/r18_cfat" MODEL.TEACHER.CONFIG_FILE "$TEACHER/config.yaml" \
    MODEL.TEACHER.WEIGHTS "$TEACHER/model_final.pth" SOLVER.MAX_EPOCH 1 SOLVER.CHECKPOINT_PERIOD 1 \
    TEST.EVAL_PERIOD 1 SOLVER.AMP.ENABLED True SOLVER.AMP.DTYPE bfloat16 TEST.AMP.ENABLED True \
    TEST.AMP.DTYPE bfloat16
step robustness-gpu 120 $PY tools/eval_robustness.py --config-file "$TEACHER/config.yaml" --repeats ${REPEATS:-10} \
    MODEL.WEIGHTS "$TEACHER/model_final.pth" $COMMON OUTPUT_DIR "$WORK/robustness" TEST.AMP.ENABLED True \
    TEST.AMP.DTYPE bfloat16 DATASETS.CORRUPTION.TEST.NUM_WORKERS 14
[ "${VIT:-1}" = 1 ] && for amp in none bf16 fp16; do
    step "vit-b-$amp" 45 $PY benchmarks/bench_cfat_step.py --size base --height 256 --width 128 \
        --batch 64 --steps 10 --warmup 3 --device cuda --amp $amp
done
[ "${VIT:-1}" = 1 ] && step vit-b-training-corruptions 90 $PY benchmarks/bench_cfat_step.py --size base \
    --height 256 --width 128 --batch 64 --steps 10 --warmup 3 --device cuda --amp bf16 --corruptions torch \
    --op-table 15
[ "$DEVICE" = cuda ] && [ "${NCCL:-1}" = 1 ] && step nccl-ddp 40 $PY benchmarks/nccl_ddp_check.py
[ "$DEVICE" = cuda ] && [ "${FINE:-1}" = 1 ] && step cfat-fine-vit-b 420 $PY benchmarks/cfat_ablation.py \
    --profile vit_b_gpu --seeds 0 --arms d_cfat_coarse_staged c_cfat_staged c_cfat_official \
    --output-dir "$WORK/fine_vit_b" --results "$OUT/cfat_fine_vit_b.json"
for f in "$WORK"/fine_vit_b/ablation.{md,png}; do [ -f "$f" ] && cp "$f" "$OUT/"; done
for f in "$WORK"/robustness/robustness/*.{md,csv,png}; do [ -f "$f" ] && cp "$f" "$OUT/"; done
exit 0
