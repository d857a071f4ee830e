"""The plan configuration: TOML in, validated typed objects out."""
from salesplan.config.loader import default_config_text, load_config, load_default, parse_config, validate
from salesplan.engine.params import PlanConfig

__all__ = ["PlanConfig", "default_config_text", "load_config", "load_default", "parse_config", "validate"]
