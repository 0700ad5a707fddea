/** The paired comparisons live in ../core/paired (figures use them too); re-exported here for the report. */
export * from "../core/paired";
