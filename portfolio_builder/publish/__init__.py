"""Publishing, for any engine: our HTML (render), the staged project (stage), the engines
(engines), the Python-Markdown extension that keeps pages inert (mdext) and the post-processing
every engine's output goes through (postprocess)."""
