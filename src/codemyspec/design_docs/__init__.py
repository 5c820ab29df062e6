"""Design docs: parse a project's context docs and sync its component tree to them."""

from codemyspec.design_docs.inputs import MAX_DESIGN_DOC_BYTES, not_utf8
from codemyspec.design_docs.parser import (
    ComponentSpec,
    ContextDoc,
    Dependency,
    parse_component_dependencies,
    parse_context_doc,
)
from codemyspec.design_docs.sync import (
    SyncReport,
    SyncWork,
    TreeNode,
    design_doc_files,
    load_design_docs,
    sync_design_docs,
    sync_uploaded_design_docs,
)

__all__ = [
    "MAX_DESIGN_DOC_BYTES",
    "ComponentSpec",
    "ContextDoc",
    "Dependency",
    "SyncReport",
    "SyncWork",
    "TreeNode",
    "design_doc_files",
    "load_design_docs",
    "not_utf8",
    "parse_component_dependencies",
    "parse_context_doc",
    "sync_design_docs",
    "sync_uploaded_design_docs",
]
