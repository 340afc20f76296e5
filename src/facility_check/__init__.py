"""facility-check: checks 托育机构 against the national standards and scores the 服务质量 section."""

__version__ = "0.1.0"
