"""Documents: 附件1–3, the 聘书 certificate, uploads."""
