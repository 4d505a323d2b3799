"""Parameter-efficient fine-tuning: LoRA, bottleneck adapters, prefix tuning, prompt tuning."""
