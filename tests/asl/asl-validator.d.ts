// asl-validator 4 ships no type declarations; this is the part of its API the tests use.
declare module 'asl-validator' {
  /** Validates an ASL definition against the JSON schemas; note it adds `QueryLanguage` to the states it is given. */
  function aslValidator(
    definition: object,
    options?: { checkPaths?: boolean; checkArn?: boolean },
  ): { isValid: boolean; errorsText: (separator?: string) => string };
  export = aslValidator;
}
