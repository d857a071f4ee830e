"""salesplan.udfs — the Excel worksheet functions (xlwings UDFs).

The UDF module to import in Excel is ``salesplan.udfs.functions`` (docs/udfs.md): the
registered wrappers. Their bodies live by theme in ``kpi``, ``calendar`` and ``money``;
``convert`` is the conversion/validation layer, ``plans`` the cached plan config.
"""
