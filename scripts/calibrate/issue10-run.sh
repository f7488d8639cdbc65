#!/usr/bin/env bash
# The issue-10 GPU run (about 5 minutes on an H200): vision encoder peaks (issue 9) and the new
# calibration cases (fp16 eager attention, LoRA on an fp32 base, QLoRA when bitsandbytes is
# installed, short generate() runs). Writes under $OUT (default: ./calibration-out).
set -u
OUT=${OUT:-calibration-out}
mkdir -p "$OUT"
cd "$(dirname "$0")/../.."
nvidia-smi --query-gpu=name,driver_version,memory.total --format=csv > "$OUT/nvidia-smi.csv" 2>&1
python3 -c "import bitsandbytes as b; print('bitsandbytes', b.__version__)" > "$OUT/bitsandbytes.txt" 2>&1
PYTHONUNBUFFERED=1 timeout 150 python3 scripts/calibrate/vision_peak.py > "$OUT/vision-peak.jsonl" 2> "$OUT/vision-peak.log"
echo "vision_peak exit $?" >> "$OUT/vision-peak.log"
PYTHONUNBUFFERED=1 timeout 330 python3 scripts/calibrate/calibrate.py --budget-seconds 300 \
  --only eager-fp16 --only fp32base --only nf4base --only decode/llama-3.2-1b/sdpa/ctx1024 \
  --out "$OUT/gpu-calibration-issue10.json" > "$OUT/gpu-calibration-issue10.log" 2>&1
echo "calibrate exit $?" >> "$OUT/gpu-calibration-issue10.log"
tail -5 "$OUT"/*.log; cat "$OUT/bitsandbytes.txt" "$OUT/vision-peak.jsonl"
