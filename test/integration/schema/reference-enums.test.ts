import { GraphQLEnumType, GraphQLNonNull, GraphQLObjectType, GraphQLString } from 'graphql';
import { buildAppSchema } from '../../../src/schema';
import { GenerationFailureCode } from '../../../src/generate/generate.events';
import { GuardrailDirection } from '../../../src/core/guardrail-direction';

describe('enums registered in the schema', () => {
  it('lists every generation failure code as GenerationFailureCode while GenerationFailed.code stays a String', async () => {
    const schema = await buildAppSchema();
    const codes = schema.getType('GenerationFailureCode');
    expect(codes).toBeInstanceOf(GraphQLEnumType);
    expect(
      (codes as GraphQLEnumType)
        .getValues()
        .map((v) => v.value)
        .sort(),
    ).toEqual(Object.values(GenerationFailureCode).sort());
    const failed = schema.getType('GenerationFailed') as GraphQLObjectType;
    const code = failed.getFields().code!;
    expect(code.type).toEqual(new GraphQLNonNull(GraphQLString));
    for (const c of ['BUDGET_EXCEEDED', 'GUARDRAIL_BLOCKED', 'PROVIDER_ERROR', 'BAD_USER_INPUT', 'NOT_FOUND']) expect(code.description).toContain(c);
  });

  it('has one GuardrailDirection, from the one definition', async () => {
    const schema = await buildAppSchema();
    const dir = schema.getType('GuardrailDirection') as GraphQLEnumType;
    expect(dir.getValues().map((v) => v.value)).toEqual(Object.values(GuardrailDirection));
  });
});
